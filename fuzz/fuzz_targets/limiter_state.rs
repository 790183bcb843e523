//! The pull limiter fed a stored state from the input and a stream of operations: never
//! panics, and never has more than `limit` pulls counted in the window.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullgate::limiter::{
    budget, record_index, refund, reserve, PullPolicy, PullState, Quota, Reservation,
};

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let (stored, ops) = rest.split_at(rest.len().min(usize::from(head)));
    let mut state: PullState = serde_json::from_slice(stored).unwrap_or_default();
    let policy = PullPolicy::new(Quota {
        limit: 5,
        window_seconds: 10,
    });
    let mut now = 1_000_000u64;
    for chunk in ops.chunks(3) {
        let [op, a, b] =
            [chunk.first(), chunk.get(1), chunk.get(2)].map(|x| x.copied().unwrap_or(0));
        now += u64::from(a) * 97;
        let digest = format!("sha256:{b:02x}");
        match op % 4 {
            0 => {
                let _ = reserve(&mut state, &policy, now, "r", "latest");
            }
            1 => {
                let _ = reserve(&mut state, &policy, now, "r", &digest);
            }
            2 => record_index(&mut state, &policy, now, "r", [digest.as_str()]),
            _ => {
                let _ = refund(
                    &mut state,
                    &policy,
                    now,
                    Reservation(now / 1000 - u64::from(b)),
                );
            }
        }
        let _ = budget(&state, &policy, now);
    }
});
