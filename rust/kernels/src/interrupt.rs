//! Stopping a running kernel early (Ctrl-C): a flag the caller sets, that kernels read
//! between chunks of work.
//!
//! The caller runs a kernel inside [`scope`] with its own flag; the kernel's drivers take
//! the calling thread's [`token`] once, at their start, and check it before each chunk
//! (a piece of customers, a partition of rows): once it is set they skip the remaining
//! chunks, so the call returns within about one chunk's time. What such a call returns is
//! incomplete: the caller that set the flag discards it ([`Token::check`] turns it into
//! [`KernelError::Interrupted`] for kernels that return a `Result` anyway). Kernels called
//! outside a scope (plain Rust, tests) are never interrupted.
//!
//! ```
//! use std::sync::{atomic::{AtomicBool, Ordering}, Arc};
//! use fidelite_kernels::interrupt;
//! let flag = Arc::new(AtomicBool::new(false));
//! let work = || (0..100).take_while(|_| !interrupt::token().requested()).count();
//! assert_eq!(interrupt::scope(&flag, work), 100);
//! flag.store(true, Ordering::Relaxed);
//! assert_eq!(interrupt::scope(&flag, work), 0);
//! assert!(interrupt::scope(&flag, || interrupt::token().check()).is_err());
//! ```
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

use crate::{KernelError, Result};

thread_local! {
    static CURRENT: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Runs `f` with `flag` as the calling thread's stop flag (the previous one is restored
/// afterwards, so scopes nest).
pub fn scope<R>(flag: &Arc<AtomicBool>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Arc<AtomicBool>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| *c.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.borrow_mut().replace(flag.clone())));
    f()
}

/// The stop flag of the calling thread's [`scope`] (none outside one). Cheap to clone and
/// to share with the threads a kernel's chunks run on.
pub fn token() -> Token {
    Token(CURRENT.with(|c| c.borrow().clone()))
}

/// A handle on one call's stop flag.
#[derive(Debug, Clone, Default)]
pub struct Token(Option<Arc<AtomicBool>>);

impl Token {
    /// Whether the caller asked to stop.
    #[inline]
    pub fn requested(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f.load(Relaxed))
    }

    /// [`KernelError::Interrupted`] once the caller asked to stop.
    #[inline]
    pub fn check(&self) -> Result<()> {
        if self.requested() {
            Err(KernelError::Interrupted)
        } else {
            Ok(())
        }
    }
}

/// A kernel that exercises a caller's handling of interrupts and panics (the bindings'
/// tests, and a user checking a build): `chunks` chunks of about a millisecond of busy
/// work each, in parallel on the rayon pool, skipped once the caller asks to stop; then a
/// panic with the message `panic_with` when given (raised in a pool task when
/// `chunks > 0`). Returns the chunks done.
pub fn drill(chunks: usize, panic_with: Option<&str>) -> usize {
    use rayon::prelude::*;
    let stop = token();
    let done = (0..chunks)
        .into_par_iter()
        .map(|i| {
            if let Some(message) = panic_with.filter(|_| i + 1 == chunks) {
                panic!("{message}");
            }
            if stop.requested() {
                return 0;
            }
            let start = std::time::Instant::now();
            while start.elapsed() < std::time::Duration::from_millis(1) {
                std::hint::spin_loop();
            }
            1
        })
        .sum();
    if let (Some(message), 0) = (panic_with, chunks) {
        panic!("{message}");
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_and_restore() {
        let (a, b) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(true)));
        assert!(!token().requested());
        scope(&a, || {
            assert!(!token().requested());
            scope(&b, || assert!(token().requested()));
            assert!(!token().requested());
            a.store(true, Relaxed);
            assert!(token().requested());
        });
        assert!(!token().requested());
        // a token taken in the scope is shared with other threads
        let t = scope(&b, token);
        assert!(std::thread::spawn(move || t.requested()).join().unwrap());
    }

    #[test]
    fn drill_works_stops_and_panics() {
        assert_eq!(drill(8, None), 8);
        assert_eq!(scope(&Arc::new(AtomicBool::new(true)), || drill(50, None)), 0);
        for chunks in [0, 3] {
            let caught = std::panic::catch_unwind(|| drill(chunks, Some("boom")));
            assert_eq!(caught.unwrap_err().downcast_ref::<String>().map(String::as_str), Some("boom"));
        }
    }
}
