//! The one place where a kernel runs: the GIL released, panics caught, Ctrl-C honoured,
//! errors mapped.
//!
//! - **Panics** never cross into Python: a panic in the kernel (or in any of its rayon
//!   tasks, which rayon hands back to the caller) is caught here and raised as
//!   `fidelite.exceptions.InternalError` with the panic's message.
//! - **Interrupts**: Python runs its signal handlers (Ctrl-C's `KeyboardInterrupt`) on the
//!   main thread, between bytecodes. So on the main thread the kernel runs as a task of the
//!   rayon pool while the calling thread waits for it, checking for signals every
//!   [`POLL`]. When a handler raises, the kernel's stop flag is set
//!   ([`fidelite_kernels::interrupt`]): its drivers skip their remaining chunks, the call
//!   returns within about a chunk's time, its (incomplete) result is dropped and the
//!   handler's exception (`KeyboardInterrupt`) is raised. Other threads never receive
//!   signals: their kernels run on the calling thread as they are.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::Duration;

use fidelite_kernels::{interrupt, Result};
use pyo3::prelude::*;

/// How often the main thread checks for signals while a kernel runs.
const POLL: Duration = Duration::from_millis(10);

pub trait Detach {
    /// Runs `kernel` without the GIL and maps a kernel error to its Python exception, a
    /// panic to `InternalError`, and Ctrl-C (on the main thread) to `KeyboardInterrupt`.
    fn run_kernel<T: Send>(self, kernel: impl FnOnce() -> Result<T> + Send) -> PyResult<T>;
}

/// How a kernel call ended.
enum Outcome<T> {
    Done(Result<T>),
    Panicked(String),
    /// A signal handler raised while the kernel ran (the kernel's result is dropped).
    Signal(PyErr),
}

impl Detach for Python<'_> {
    fn run_kernel<T: Send>(self, kernel: impl FnOnce() -> Result<T> + Send) -> PyResult<T> {
        let outcome =
            if on_main_thread(self) { self.detach(|| watched(kernel)) } else { self.detach(|| guarded(kernel)) };
        match outcome {
            Outcome::Done(Ok(value)) => Ok(value),
            Outcome::Done(Err(e)) => Err(crate::errors::to_pyerr(self, e)),
            Outcome::Panicked(message) => Err(crate::errors::internal_error(self, &message)),
            Outcome::Signal(err) => Err(err),
        }
    }
}

/// Runs `kernel` here, a panic caught.
fn guarded<T>(kernel: impl FnOnce() -> Result<T>) -> Outcome<T> {
    match catch_unwind(AssertUnwindSafe(kernel)) {
        Ok(result) => Outcome::Done(result),
        Err(payload) => Outcome::Panicked(panic_message(payload.as_ref())),
    }
}

/// Runs `kernel` as a task of the rayon pool under a stop flag, while this thread checks
/// for signals; called without the GIL.
fn watched<T: Send>(kernel: impl FnOnce() -> Result<T> + Send) -> Outcome<T> {
    let stop = Arc::new(AtomicBool::new(false));
    let (done, finished) = mpsc::sync_channel(1);
    let mut signal: Option<PyErr> = None;
    let outcome = rayon::in_place_scope(|scope| {
        let flag = stop.clone();
        scope.spawn(move |_| {
            let outcome = interrupt::scope(&flag, || guarded(kernel));
            let _ = done.send(outcome);
        });
        loop {
            match finished.recv_timeout(POLL) {
                Ok(outcome) => return outcome,
                Err(mpsc::RecvTimeoutError::Timeout) if signal.is_none() => {
                    if let Err(e) = Python::attach(|py| py.check_signals()) {
                        signal = Some(e);
                        stop.store(true, Relaxed);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                // the task dropped its sender without sending: it can only have panicked
                // outside `guarded`, which catches everything
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Outcome::Panicked("the kernel task ended without a result".into())
                }
            }
        }
    });
    match signal {
        Some(err) => Outcome::Signal(err),
        None => outcome,
    }
}

/// Whether the calling thread is Python's main thread (the one signal handlers run on).
fn on_main_thread(py: Python<'_>) -> bool {
    static MAIN: OnceLock<Option<u64>> = OnceLock::new();
    let main = MAIN.get_or_init(|| {
        py.import("threading")
            .and_then(|t| t.call_method0("main_thread"))
            .and_then(|m| m.getattr("ident"))
            .and_then(|i| i.extract::<u64>())
            .ok()
    });
    // SAFETY: a plain read of the calling thread's identifier (stable ABI).
    *main == Some(unsafe { PyThread_get_thread_ident() } as u64)
}

extern "C" {
    /// Python's identifier of the calling thread (`threading.get_ident()`).
    fn PyThread_get_thread_ident() -> std::os::raw::c_ulong;
}

/// The message a panic carried (`panic!("...")` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "a panic without a message".into(),
    }
}
