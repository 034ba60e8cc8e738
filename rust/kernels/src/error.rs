//! The one error type of the kernels; the bindings map each variant to its own Python
//! exception class.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelError {
    /// An IANA time-zone name that the compiled tz database does not know.
    UnknownTimeZone(String),
    /// A parameter outside its allowed values.
    InvalidParameter(String),
    /// Columns that should align do not.
    LengthMismatch(String),
    /// Input the kernels cannot represent (too many customers, instants out of range).
    OutOfRange(String),
    /// A column of a type the kernel does not read (e.g. float ids, or integer ids looked
    /// up among text ones).
    WrongType(String),
    /// An answer (or its scratch) larger than the memory limit ([`crate::mem::limit`]),
    /// usually from a placeholder date or a far-off `as_of`: the message names the span.
    TooLarge(String),
    /// The allocator refused a buffer within the limit (the machine is short of memory).
    OutOfMemory(String),
    /// The caller asked the kernel to stop ([`crate::interrupt`]: Ctrl-C).
    Interrupted,
}

pub type Result<T> = std::result::Result<T, KernelError>;

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::UnknownTimeZone(tz) => {
                write!(f, "unknown time zone {tz:?}: pass an IANA name such as \"Europe/Paris\" or \"UTC\"")
            }
            KernelError::InvalidParameter(m)
            | KernelError::LengthMismatch(m)
            | KernelError::OutOfRange(m)
            | KernelError::WrongType(m)
            | KernelError::TooLarge(m)
            | KernelError::OutOfMemory(m) => f.write_str(m),
            KernelError::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for KernelError {}
