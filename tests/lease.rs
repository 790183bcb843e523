//! Leases of a key's budget to isolates (limiter::lease), with an injected clock: the owner's
//! side (settle, grant) and the isolate's (KeyLease) driven together as the gateway drives
//! them, one owner and several isolates.

use proptest::prelude::*;
use pullgate::limiter::lease::{Admission, Kind, Step, LEASE_GRACE_MS, LEASE_MS};
use pullgate::limiter::{
    budget, grant, refund, settle, KeyLease, PullPolicy, PullState, Quota, RequestState,
    Reservation,
};

const T0: u64 = 1_700_002_800_000; // on an hour boundary: one request window of 3600 s

/// The key's owner (the Durable Object).
struct Owner {
    pulls: PullState,
    requests: RequestState,
    policy: PullPolicy,
    quota: Quota,
}

impl Owner {
    fn new(pull: Quota, request: Quota) -> Self {
        Owner {
            pulls: PullState::default(),
            requests: RequestState::default(),
            policy: PullPolicy::new(pull),
            quota: request,
        }
    }

    fn renew(&mut self, lease: &mut KeyLease, now: u64, need_pulls: bool, demand: u32) {
        let r = lease.begin_renewal(need_pulls, demand);
        settle(
            &mut self.pulls,
            &mut self.requests,
            &self.policy,
            &self.quota,
            now,
            &r.report,
        );
        let g = grant(
            &mut self.pulls,
            &mut self.requests,
            &self.policy,
            &self.quota,
            now,
            r.want_requests,
            r.want_pulls,
        );
        lease.install(now, now, g);
    }

    fn take_back(&mut self, lease: &mut KeyLease, now: u64) {
        if let Some(report) = lease.return_lease(lease.serial()) {
            settle(
                &mut self.pulls,
                &mut self.requests,
                &self.policy,
                &self.quota,
                now,
                &report,
            );
        }
    }

    fn remaining(&self, now: u64) -> u32 {
        budget(&self.pulls, &self.policy, now).remaining
    }
}

/// A request through an isolate's lease, renewing it when it must (once at most).
fn admit(
    owner: &mut Owner,
    lease: &mut KeyLease,
    now: u64,
    kind: Kind,
    reference: &str,
) -> Admission {
    for _ in 0..2 {
        match lease.admit(now, kind, "library/alpine", reference) {
            Step::Admitted(a) => return a,
            Step::Renew => owner.renew(lease, now, kind == Kind::ManifestGet, 1),
        }
    }
    panic!("a fresh lease must answer");
}

fn quota(limit: u32, window_seconds: u32) -> Quota {
    Quota {
        limit,
        window_seconds,
    }
}

const MANY: Quota = Quota {
    limit: 1_000_000,
    window_seconds: 3600,
};

#[test]
fn the_first_lease_asks_for_one_and_a_used_up_lease_for_twice_as_many() {
    let mut owner = Owner::new(quota(1000, 3600), MANY);
    let mut lease = KeyLease::new(MANY, owner.policy);
    let r = lease.begin_renewal(true, 1);
    assert_eq!((r.want_requests, r.want_pulls), (1, 1));
    let mut grants = Vec::new();
    for now in T0..T0 + 40 {
        let serial = lease.serial();
        let a = admit(&mut owner, &mut lease, now, Kind::ManifestGet, "latest");
        assert!(a.pull.unwrap().counted);
        if lease.serial() != serial {
            grants.push(owner.pulls.clone());
        }
    }
    // 1, 2, 4, 8, 16 and then 32 requested: 6 calls to the owner for 40 pulls.
    assert_eq!(grants.len(), 6);
    // A HEAD-only key asks for no pulls.
    let mut head = KeyLease::new(MANY, owner.policy);
    assert_eq!(head.begin_renewal(false, 1).want_pulls, 0);
}

#[test]
fn a_lease_takes_at_most_a_quarter_of_what_is_free() {
    let mut owner = Owner::new(quota(100, 3600), MANY);
    let g = grant(
        &mut owner.pulls,
        &mut owner.requests,
        &owner.policy,
        &owner.quota,
        T0,
        1,
        1000,
    );
    assert_eq!(g.pulls, 25);
    assert_eq!(g.pull.remaining, 75, "what is left for everyone else");
    let g = grant(
        &mut owner.pulls,
        &mut owner.requests,
        &owner.policy,
        &owner.quota,
        T0,
        1,
        1000,
    );
    assert_eq!(g.pulls, 18);
    // Down to the last ones: one at a time, then refused, with Retry-After counting the
    // leases as freeing when they expire.
    let mut total = 43;
    loop {
        let g = grant(
            &mut owner.pulls,
            &mut owner.requests,
            &owner.policy,
            &owner.quota,
            T0 + 10,
            1,
            1000,
        );
        if g.pulls == 0 {
            assert!(!g.pull.allowed);
            assert_eq!(g.pull.remaining, 0);
            assert_eq!(
                g.pull.retry_after_seconds, 1,
                "the first lease expires within 1 s"
            );
            break;
        }
        total += g.pulls;
    }
    assert_eq!(total, 100);
}

#[test]
fn headers_from_a_lease_are_what_the_owner_alone_would_say() {
    // One isolate: every answer is the direct limiter's.
    let policy = PullPolicy::new(quota(5, 60));
    let mut direct = PullState::default();
    let mut owner = Owner::new(quota(5, 60), MANY);
    let mut lease = KeyLease::new(MANY, owner.policy);
    for i in 0..7u64 {
        let now = T0 + i * 100;
        let want =
            pullgate::limiter::reserve(&mut direct, &policy, now, "library/alpine", "latest");
        let got = admit(&mut owner, &mut lease, now, Kind::ManifestGet, "latest")
            .pull
            .unwrap();
        assert_eq!(
            (
                got.allowed,
                got.counted,
                got.remaining,
                got.limit,
                got.window_seconds
            ),
            (
                want.allowed,
                want.counted,
                want.remaining,
                want.limit,
                want.window_seconds
            ),
            "pull {i}"
        );
        assert_eq!(got.reset_seconds, want.reset_seconds, "pull {i}");
        assert_eq!(
            got.retry_after_seconds, want.retry_after_seconds,
            "pull {i}"
        );
    }
}

#[test]
fn refunds_go_to_the_lease_while_it_is_held_and_to_the_owner_after() {
    let mut owner = Owner::new(quota(3, 60), MANY);
    let mut lease = KeyLease::new(MANY, owner.policy);
    let a = admit(&mut owner, &mut lease, T0, Kind::ManifestGet, "missing");
    let d = a.pull.unwrap();
    assert_eq!(d.remaining, 2);
    let back = lease
        .refund(T0 + 5, a.lease, d.reservation.unwrap())
        .unwrap();
    assert_eq!(back.remaining, 3);
    // Twice is nothing.
    assert!(lease
        .refund(T0 + 6, a.lease, d.reservation.unwrap())
        .is_none());
    let a = admit(&mut owner, &mut lease, T0 + 10, Kind::ManifestGet, "latest");
    let r = a.pull.unwrap().reservation.unwrap();
    owner.take_back(&mut lease, T0 + 20);
    assert_eq!(owner.remaining(T0 + 20), 2);
    assert!(
        lease.refund(T0 + 30, a.lease, r).is_none(),
        "reported: the owner's now"
    );
    assert!(refund(&mut owner.pulls, &owner.policy, T0 + 30, r));
    assert_eq!(owner.remaining(T0 + 30), 3);
}

#[test]
fn pulls_free_up_a_window_after_their_use_not_after_the_lease() {
    let mut owner = Owner::new(quota(2, 10), MANY);
    let mut lease = KeyLease::new(MANY, owner.policy);
    assert!(
        admit(&mut owner, &mut lease, T0 + 100, Kind::ManifestGet, "a")
            .pull
            .unwrap()
            .counted
    ); // second T0/1000 + 1
    assert!(
        admit(&mut owner, &mut lease, T0 + 900, Kind::ManifestGet, "a")
            .pull
            .unwrap()
            .counted
    );
    // Reported late (the timer), the uses keep their seconds.
    owner.take_back(&mut lease, T0 + 5_000);
    assert_eq!(owner.remaining(T0 + 10_999), 0);
    assert_eq!(owner.remaining(T0 + 11_000), 2);
}

#[test]
fn a_lease_never_reported_is_charged_in_full_at_its_expiry() {
    let mut owner = Owner::new(quota(10, 60), MANY);
    let mut gone = KeyLease::new(MANY, owner.policy);
    for _ in 0..2 {
        owner.renew(&mut gone, T0, true, 4);
    }
    let held = 10 - owner.remaining(T0);
    assert!(held > 0);
    // Counted as used while held, and through the grace period.
    assert_eq!(
        owner.remaining(T0 + LEASE_MS + LEASE_GRACE_MS - 1),
        10 - held
    );
    // Then charged as made at the expiry: free a window after it.
    let later = T0 + LEASE_MS + LEASE_GRACE_MS;
    let mut other = KeyLease::new(MANY, owner.policy);
    admit(&mut owner, &mut other, later, Kind::ManifestHead, "");
    assert_eq!(owner.remaining(later), 10 - held);
    assert_eq!(owner.remaining(T0 + LEASE_MS + 60_000 - 1), 10 - held);
    assert_eq!(owner.remaining(T0 + LEASE_MS + 60_000), 10);
    // The late report changes nothing (no double count, no early release).
    owner.take_back(&mut gone, later + 1);
    assert_eq!(owner.remaining(later + 1), 10 - held);
}

#[test]
fn an_index_and_one_child_are_one_pull_within_the_isolate() {
    let mut owner = Owner::new(quota(3, 60), MANY);
    let mut lease = KeyLease::new(MANY, owner.policy);
    let child = |n: u32| format!("sha256:{n:064x}");
    let index = admit(&mut owner, &mut lease, T0, Kind::ManifestGet, "latest")
        .pull
        .unwrap();
    assert_eq!(index.remaining, 2);
    lease.record_index(
        T0 + 1,
        "library/alpine",
        [child(1).as_str(), child(2).as_str()],
    );
    let first = admit(&mut owner, &mut lease, T0 + 2, Kind::ManifestGet, &child(1))
        .pull
        .unwrap();
    assert!(first.allowed && !first.counted);
    assert_eq!(first.remaining, 2);
    let second = admit(&mut owner, &mut lease, T0 + 3, Kind::ManifestGet, &child(2))
        .pull
        .unwrap();
    assert!(second.counted);
    assert_eq!(second.remaining, 1);
}

#[test]
fn the_request_limit_is_exact_through_leases() {
    let mut owner = Owner::new(quota(100, 60), quota(3, 600));
    let mut lease = KeyLease::new(quota(3, 600), owner.policy);
    let allowed: Vec<bool> = (0..4u64)
        .map(|i| {
            admit(&mut owner, &mut lease, T0 + i, Kind::Other, "")
                .request
                .allowed
        })
        .collect();
    assert_eq!(allowed, [true, true, true, false]);
    let refused = admit(&mut owner, &mut lease, T0 + 5, Kind::Other, "").request;
    assert!(refused.retry_after_seconds > 0);
    // Unused requests go back: a lease of 4 used for 1 leaves 9 of 10.
    let mut owner = Owner::new(quota(100, 60), quota(40, 600));
    let mut lease = KeyLease::new(quota(40, 600), owner.policy);
    admit(&mut owner, &mut lease, T0, Kind::Other, "");
    owner.renew(&mut lease, T0 + 1, false, 8);
    assert_eq!(
        admit(&mut owner, &mut lease, T0 + 2, Kind::Other, "")
            .request
            .remaining,
        38
    );
    owner.take_back(&mut lease, T0 + 3);
    let mut probe = KeyLease::new(quota(40, 600), owner.policy);
    let r = admit(&mut owner, &mut probe, T0 + 4, Kind::Other, "").request;
    assert_eq!(r.remaining, 37, "2 used before, this one: 3");
}

#[derive(Debug, Clone)]
enum Op {
    Get(usize),
    Head(usize),
    Refund(usize),
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..8).prop_map(Op::Get),
        1 => (0usize..8).prop_map(Op::Head),
        2 => any::<usize>().prop_map(Op::Refund),
        3 => (1u64..1500).prop_map(Op::Wait),
    ]
}

struct Use {
    at: u64,
    isolate: usize,
    lease: u64,
    reservation: Reservation,
    refunded: bool,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Many isolates, interleaved admits, refunds, lease returns (at expiry, a little late,
    /// as the isolate's timer does) and renewals: at no time are more than `limit` pulls
    /// made within a window, and once every lease is back the owner's count is exactly the
    /// pulls made and not refunded, each freeing a window after it was made.
    #[test]
    fn never_over_the_limit_and_everything_comes_back(
        limit in 1u32..40,
        window in 2u32..30,
        isolates in 1usize..6,
        ops in proptest::collection::vec(op(), 1..300),
    ) {
        let mut owner = Owner::new(quota(limit, window), MANY);
        let mut leases: Vec<KeyLease> = (0..isolates).map(|_| KeyLease::new(MANY, owner.policy)).collect();
        let window_ms = u64::from(window) * 1000;
        let mut uses: Vec<Use> = Vec::new();
        let mut requests = 0u32;
        let mut now = T0 + 1_000;
        for op in ops {
            match op {
                Op::Wait(ms) => {
                    now += ms;
                    // Timers: an expired lease goes back 0-300 ms after it expires.
                    for lease in leases.iter_mut() {
                        if let Some(report) = lease.return_expired(now.saturating_sub(ms % 300)) {
                            settle(&mut owner.pulls, &mut owner.requests, &owner.policy, &owner.quota, now, &report);
                        }
                    }
                }
                Op::Get(i) | Op::Head(i) => {
                    let i = i % isolates;
                    let kind = if matches!(op, Op::Get(_)) { Kind::ManifestGet } else { Kind::ManifestHead };
                    let a = admit(&mut owner, &mut leases[i], now, kind, "latest");
                    prop_assert!(a.request.allowed);
                    requests += 1;
                    let d = a.pull.unwrap();
                    if kind == Kind::ManifestHead {
                        prop_assert!(!d.counted);
                    } else if d.counted {
                        uses.push(Use { at: now, isolate: i, lease: a.lease, reservation: d.reservation.unwrap(), refunded: false });
                        let in_window = uses.iter().filter(|u| !u.refunded && u.at + window_ms > now).count();
                        prop_assert!(in_window <= limit as usize, "{} pulls in a window of {} s, limit {}", in_window, window, limit);
                    } else {
                        prop_assert!(!d.allowed);
                        prop_assert!(d.retry_after_seconds >= 1);
                    }
                    if isolates == 1 {
                        // One isolate: its headers never promise more than there is.
                        let made = uses.iter().filter(|u| !u.refunded && u.reservation.0 * 1000 + window_ms > now).count() as u32;
                        prop_assert!(d.remaining <= limit - made, "remaining {} with {} made", d.remaining, made);
                    }
                }
                Op::Refund(pick) => {
                    let open: Vec<usize> = (0..uses.len()).filter(|&j| !uses[j].refunded).collect();
                    if open.is_empty() { continue; }
                    let u = &mut uses[open[pick % open.len()]];
                    u.refunded = true;
                    if leases[u.isolate].refund(now, u.lease, u.reservation).is_none() {
                        refund(&mut owner.pulls, &owner.policy, now, u.reservation);
                    }
                }
            }
        }
        // Every lease back: the owner counts exactly the pulls made, by their seconds.
        now += 1;
        for lease in leases.iter_mut() {
            owner.take_back(lease, now);
        }
        for t in [now, now + 500, now + window_ms / 2, now + window_ms, now + 2 * window_ms] {
            let made = uses.iter().filter(|u| !u.refunded && u.reservation.0 * 1000 + window_ms > t).count() as u32;
            prop_assert_eq!(owner.remaining(t), limit - made, "at +{} ms", t - now);
        }
        // And the requests: all reserved ones unused came back (one window of 3600 s).
        let mut probe = KeyLease::new(MANY, owner.policy);
        let r = admit(&mut owner, &mut probe, now, Kind::Other, "").request;
        prop_assert_eq!(r.remaining, MANY.limit - requests - 1);
    }
}

#[test]
fn a_renewal_for_other_requests_gives_the_pulls_back() {
    let mut owner = Owner::new(quota(100, 3600), MANY);
    let mut lease = KeyLease::new(MANY, owner.policy);
    admit(&mut owner, &mut lease, T0, Kind::ManifestGet, "latest");
    admit(&mut owner, &mut lease, T0 + 1, Kind::ManifestGet, "latest"); // a lease of 2
    assert_eq!(owner.remaining(T0 + 1), 97, "2 made, 1 held");
    // Requests used up, a blob GET renews: the held pull goes back, none is asked for.
    let r = lease.begin_renewal(false, 1);
    assert_eq!(r.want_pulls, 0);
    settle(
        &mut owner.pulls,
        &mut owner.requests,
        &owner.policy,
        &owner.quota,
        T0 + 2,
        &r.report,
    );
    assert_eq!(owner.remaining(T0 + 2), 98);
    // The next manifest GET asks from the last pull lease's use (1 of 2: 1), not from the
    // request-only lease in between (0).
    let g = grant(
        &mut owner.pulls,
        &mut owner.requests,
        &owner.policy,
        &owner.quota,
        T0 + 2,
        r.want_requests,
        0,
    );
    lease.install(T0 + 2, T0 + 2, g);
    assert_eq!(lease.begin_renewal(true, 1).want_pulls, 1);
}
