//! The pull and request limiters with an injected clock.

use proptest::prelude::*;
use pullgate::limiter::pull::{MAX_BUCKETS, MAX_RECENT_INDEXES};
use pullgate::limiter::{
    budget, check_request, record_index, refund, remaining, reserve, retry_after, PullPolicy,
    PullState, Quota, RequestState,
};

const HUB: Quota = Quota {
    limit: 100,
    window_seconds: 21600,
};

fn digest(n: u32) -> String {
    format!("sha256:{n:064x}")
}

#[test]
fn admits_exactly_the_limit() {
    let policy = PullPolicy::new(HUB);
    let mut state = PullState::default();
    let mut allowed = 0;
    for i in 0..150u64 {
        let d = reserve(
            &mut state,
            &policy,
            1_700_000_000_000 + i * 1000,
            "library/alpine",
            "latest",
        );
        if d.allowed {
            allowed += 1;
            assert!(d.counted);
            assert_eq!(d.remaining, 100 - allowed);
            assert_eq!(d.retry_after_seconds, 0);
            assert!(d.reservation.is_some());
        } else {
            assert_eq!(d.remaining, 0);
            assert!(!d.counted);
            assert!(d.reservation.is_none());
            // The first pull (at second 1_700_000_000) frees at +21600 s.
            assert_eq!(d.retry_after_seconds, 21600 - i);
        }
    }
    assert_eq!(allowed, 100);
}

#[test]
fn pulls_free_up_one_window_after_they_were_made() {
    let policy = PullPolicy::new(Quota {
        limit: 2,
        window_seconds: 60,
    });
    let mut s = PullState::default();
    assert!(reserve(&mut s, &policy, 10_000, "a", "t").allowed); // kept as second 10
    assert!(reserve(&mut s, &policy, 12_300, "a", "t").allowed); // kept as second 13
    let d = reserve(&mut s, &policy, 20_000, "a", "t");
    assert!(!d.allowed);
    assert_eq!(d.retry_after_seconds, 50);
    assert_eq!(d.reset_seconds, 50);
    assert!(!reserve(&mut s, &policy, 69_999, "a", "t").allowed);
    assert_eq!(retry_after(&s, &policy, 69_999), 1);
    let d = reserve(&mut s, &policy, 70_000, "a", "t");
    assert!(d.allowed);
    assert_eq!(d.remaining, 0);
    // The second pull was at 12.3 s: it frees at 73 s, never earlier.
    assert!(!reserve(&mut s, &policy, 72_999, "a", "t").allowed);
    assert!(reserve(&mut s, &policy, 73_000, "a", "t").allowed);
    assert_eq!(remaining(&s, &policy, 73_000), 0);
    assert_eq!(remaining(&s, &policy, 1_000_000), 2);
    assert_eq!(retry_after(&s, &policy, 1_000_000), 0);
}

#[test]
fn refunds_give_pulls_back() {
    let policy = PullPolicy::new(Quota {
        limit: 1,
        window_seconds: 60,
    });
    let mut s = PullState::default();
    let d = reserve(&mut s, &policy, 5_000, "a", "t");
    let r = d.reservation.unwrap();
    assert!(!reserve(&mut s, &policy, 6_000, "a", "t").allowed);
    assert!(refund(&mut s, &policy, 7_000, r));
    assert_eq!(remaining(&s, &policy, 7_000), 1);
    let d = reserve(&mut s, &policy, 8_000, "a", "t");
    assert!(d.allowed);
    // Once a pull has freed up, refunding it gives nothing back.
    assert!(!refund(&mut s, &policy, 200_000, d.reservation.unwrap()));
    assert_eq!(remaining(&s, &policy, 200_000), 1);
    // Refunding on an empty state is harmless.
    assert!(!refund(&mut PullState::default(), &policy, 1, r));
}

#[test]
fn an_index_and_one_of_its_manifests_are_one_pull() {
    let policy = PullPolicy::new(Quota {
        limit: 3,
        window_seconds: 3600,
    });
    let mut s = PullState::default();
    let index = reserve(&mut s, &policy, 1_000, "library/alpine", "latest");
    assert!(index.counted);
    record_index(
        &mut s,
        &policy,
        1_200,
        "library/alpine",
        [digest(1).as_str(), digest(2).as_str()],
    );
    let child = reserve(&mut s, &policy, 1_500, "library/alpine", &digest(2));
    assert!(child.allowed && !child.counted);
    assert_eq!(child.remaining, 2);
    assert!(child.reservation.is_none());
    // Each index frees one child: the next one counts.
    assert!(reserve(&mut s, &policy, 1_600, "library/alpine", &digest(1)).counted);
    // Another repository's GET of the same digest counts.
    record_index(
        &mut s,
        &policy,
        2_000,
        "library/alpine",
        [digest(3).as_str()],
    );
    assert!(reserve(&mut s, &policy, 2_100, "library/busybox", &digest(3)).counted);
    assert_eq!(remaining(&s, &policy, 2_100), 0);
    // Even with no pulls left, the child of a recent index goes through.
    let free = reserve(&mut s, &policy, 2_200, "library/alpine", &digest(3));
    assert!(free.allowed && !free.counted);
    // A GET by tag is never a child.
    record_index(&mut s, &policy, 3_000, "library/alpine", ["latest"]);
    assert!(!reserve(&mut s, &policy, 3_100, "library/alpine", "latest").allowed);
}

#[test]
fn the_child_window_is_short() {
    let policy = PullPolicy::new(Quota {
        limit: 10,
        window_seconds: 3600,
    });
    assert_eq!(policy.child_window_seconds, 60);
    let mut s = PullState::default();
    record_index(&mut s, &policy, 0, "a", [digest(7).as_str()]);
    assert!(reserve(&mut s, &policy, 60_000, "a", &digest(7)).counted);
    record_index(&mut s, &policy, 100_000, "a", [digest(7).as_str()]);
    assert!(!reserve(&mut s, &policy, 159_999, "a", &digest(7)).counted);
    let off = PullPolicy {
        quota: policy.quota,
        child_window_seconds: 0,
    };
    record_index(&mut s, &off, 200_000, "a", [digest(8).as_str()]);
    assert!(reserve(&mut s, &off, 200_001, "a", &digest(8)).counted);
}

#[test]
fn budget_spends_nothing() {
    let policy = PullPolicy::new(HUB);
    let mut s = PullState::default();
    reserve(&mut s, &policy, 1_000, "a", "t");
    let b = budget(&s, &policy, 2_000);
    assert_eq!(
        (b.allowed, b.counted, b.remaining, b.limit, b.window_seconds),
        (true, false, 99, 100, 21600)
    );
    assert_eq!(b.reset_seconds, 21599);
    assert_eq!(budget(&s, &policy, 2_000), b);
    let zero = PullPolicy::new(Quota {
        limit: 0,
        window_seconds: 60,
    });
    let d = reserve(&mut PullState::default(), &zero, 0, "a", "t");
    assert!(!d.allowed);
    assert_eq!(d.retry_after_seconds, 60);
}

#[test]
fn state_is_compact_and_survives_storage() {
    let policy = PullPolicy::new(HUB);
    let mut s = PullState::default();
    for i in 0..5 {
        reserve(&mut s, &policy, 1_000 + i * 100, "a", "t");
    }
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(json, r#"{"p":[[1,1],[2,4]]}"#);
    let back: PullState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    // Whatever storage hands back (unsorted, zero counts, duplicates, too many indexes) is
    // put back in shape, not trusted.
    let messy: PullState = serde_json::from_str(
        r#"{"p":[[9,1],[3,0],[5,2],[5,1],[1,4294967295]],"i":[{"t":1,"c":[1,2]},{"t":2,"c":[]}]}"#,
    )
    .unwrap();
    let mut m = messy.clone();
    assert_eq!(remaining(&m, &policy, 10_000), 0);
    let d = reserve(&mut m, &policy, 10_000, "a", "t");
    assert!(!d.allowed);
    assert!(serde_json::from_str::<PullState>("{}").is_ok());
}

#[test]
fn state_stays_bounded_over_a_million_operations() {
    let policy = PullPolicy::new(HUB);
    let mut s = PullState::default();
    let mut now = 1_700_000_000_000u64;
    let mut max_len = 0;
    for i in 0..1_000_000u32 {
        now += 37;
        match i % 4 {
            0 => {
                record_index(
                    &mut s,
                    &policy,
                    now,
                    "r",
                    [digest(i).as_str(), digest(i + 1).as_str()],
                );
            }
            1 => {
                let d = reserve(&mut s, &policy, now, "r", &digest(i));
                if let Some(r) = d.reservation {
                    if i % 3 == 0 {
                        refund(&mut s, &policy, now, r);
                    }
                }
            }
            _ => {
                reserve(&mut s, &policy, now, "r", "latest");
            }
        }
        if i % 10_000 == 0 {
            max_len = max_len.max(serde_json::to_string(&s).unwrap().len());
        }
    }
    assert!(max_len < 6_000, "state grew to {max_len} bytes");
}

#[test]
fn buckets_are_capped_for_large_limits() {
    let policy = PullPolicy::new(Quota {
        limit: 1_000_000,
        window_seconds: 86_400,
    });
    let mut s = PullState::default();
    let mut granted = 0u32;
    for i in 0..200_000u64 {
        if reserve(&mut s, &policy, i * 400, "r", "t").allowed {
            granted += 1;
        }
    }
    assert_eq!(granted, 200_000);
    assert_eq!(remaining(&s, &policy, 200_000 * 400), 800_000);
    let json = serde_json::to_string(&s).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["p"].as_array().unwrap().len() <= MAX_BUCKETS);
    assert!(json.len() < 16 * 1024);
    let mut s = PullState::default();
    for i in 0..100u32 {
        record_index(&mut s, &policy, u64::from(i), "r", [digest(i).as_str()]);
    }
    let v: serde_json::Value = serde_json::to_value(&s).unwrap();
    assert_eq!(v["i"].as_array().unwrap().len(), MAX_RECENT_INDEXES);
}

#[test]
fn request_limit_admits_the_limit_then_slides() {
    let q = Quota {
        limit: 3000,
        window_seconds: 60,
    };
    let mut s = RequestState::default();
    let start = 1_700_000_040_000u64; // 40 s into an aligned minute
    let admitted = (0..3500)
        .filter(|i| check_request(&mut s, &q, start + i).allowed)
        .count();
    assert_eq!(admitted, 3000);
    let d = check_request(&mut s, &q, start + 4000);
    assert!(!d.allowed);
    // Half-way through the next minute half of the previous minute's 3000 still weigh.
    let mid = 1_700_000_100_000u64 + 30_000;
    let admitted = (0..3000)
        .filter(|_| check_request(&mut s, &q, mid).allowed)
        .count();
    assert_eq!(admitted, 1500);
    // Two windows later nothing weighs.
    let later = 1_700_000_220_000u64;
    let d = check_request(&mut s, &q, later);
    assert!(d.allowed);
    assert_eq!(d.remaining, 2999);
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        r#"{"s":1700000220000,"p":0,"c":1}"#
    );
}

#[test]
fn request_retry_after_is_honest() {
    let q = Quota {
        limit: 10,
        window_seconds: 60,
    };
    let mut s = RequestState::default();
    for i in 0..10 {
        assert!(check_request(&mut s, &q, 60_000 + i).allowed);
    }
    let d = check_request(&mut s, &q, 61_000);
    assert!(!d.allowed);
    // Allowed once 1/10 of the previous window's weight has gone: 6 s into the next window.
    assert_eq!(d.retry_after_seconds, 65);
    assert!(!check_request(&mut s.clone(), &q, 61_000 + 64_000).allowed);
    assert!(check_request(&mut s, &q, 61_000 + 65_000).allowed);
    let zero = Quota {
        limit: 0,
        window_seconds: 60,
    };
    let d = check_request(&mut RequestState::default(), &zero, 0);
    assert!(!d.allowed && d.retry_after_seconds >= 1);
}

proptest! {
    /// Sequential reserves (with refunds and clock steps) never have more than `limit`
    /// counted pulls younger than the window, and a refused pull is allowed at its
    /// retry-after.
    #[test]
    fn never_over_the_limit(limit in 0u32..8, window in 1u32..30, steps in proptest::collection::vec((0u64..4000, 0u8..10), 1..200)) {
        let policy = PullPolicy::new(Quota { limit, window_seconds: window });
        let mut s = PullState::default();
        let mut now = 1_000_000u64;
        let mut live: Vec<(u64, u64)> = Vec::new(); // (counted at ms, reservation second)
        for (dt, op) in steps {
            now += dt;
            live.retain(|(at, _)| at + u64::from(window) * 1000 > now);
            if op < 8 {
                let d = reserve(&mut s, &policy, now, "r", "t");
                if d.allowed {
                    live.push((now, d.reservation.unwrap().0));
                } else {
                    let later = now + d.retry_after_seconds * 1000;
                    prop_assert!(d.retry_after_seconds >= 1);
                    prop_assert!(budget(&s, &policy, later).allowed || limit == 0);
                }
                prop_assert!(live.len() <= limit as usize);
            } else if let Some((_, sec)) = live.pop() {
                refund(&mut s, &policy, now, pullgate::limiter::Reservation(sec));
            }
            let counted = live.len() as u32;
            // The limiter may hold pulls slightly longer than exact (second rounding), never shorter.
            prop_assert!(remaining(&s, &policy, now) <= limit - counted.min(limit));
        }
    }

    #[test]
    fn request_limit_retry_after_admits(limit in 1u32..50, window in 1u32..120, gaps in proptest::collection::vec(0u64..3000, 1..300)) {
        let q = Quota { limit, window_seconds: window };
        let mut s = RequestState::default();
        let mut now = 0u64;
        for g in gaps {
            now += g;
            let d = check_request(&mut s, &q, now);
            if !d.allowed {
                let mut probe = s;
                prop_assert!(check_request(&mut probe, &q, now + d.retry_after_seconds * 1000).allowed);
            }
        }
    }

    #[test]
    fn arbitrary_stored_state_is_safe(json in "\\{\"p\":\\[(\\[[0-9]{1,12},[0-9]{1,10}\\],?){0,20}\\]\\}", now in any::<u64>()) {
        if let Ok(mut s) = serde_json::from_str::<PullState>(&json) {
            let policy = PullPolicy::new(HUB);
            let _ = reserve(&mut s, &policy, now, "r", "sha256:00");
            let _ = remaining(&s, &policy, now);
        }
    }
}
