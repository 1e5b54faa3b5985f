//! The listener baton's parent process hands a connector subprocess: an open, listening TCP
//! socket at the file-descriptor number `BATON_CONNECTOR_SERVICE_LISTENER_FD` names (3).
//!
//! Turning a descriptor number into a socket object is the one thing in this workspace that
//! needs `unsafe`: the standard library (and every crate that does it for another protocol, such
//! as systemd's `LISTEN_FDS`) can only promise that the number is an open descriptor nobody else
//! owns if the caller does. The function below makes that promise narrowly: it takes the
//! descriptor at most once per process, only one the parent passed (3 or above: not standard
//! input, output or error), and checks that it is a listening TCP socket before using it.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the inherited descriptor was taken already.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// The listening socket at descriptor `fd`, passed by the parent process.
pub(crate) fn take_listener(fd: &str) -> Result<TcpListener, String> {
    let fd: i32 = fd
        .trim()
        .parse()
        .map_err(|_| format!("the listener descriptor {fd:?} is not a number"))?;
    if fd < 3 {
        return Err(format!(
            "the listener descriptor {fd} is standard input, output or error, not a socket"
        ));
    }
    if TAKEN.swap(true, Ordering::SeqCst) {
        return Err("the inherited listener was taken already".into());
    }
    let listener = from_fd(fd)?;
    // Not a socket (or closed): local_addr fails; a socket that is not listening: accept would.
    let addr = listener
        .local_addr()
        .map_err(|e| format!("descriptor {fd} is not a listening TCP socket: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("descriptor {fd} ({addr}) cannot be made non-blocking: {e}"))?;
    Ok(listener)
}

/// Takes ownership of descriptor `fd`.
#[cfg(unix)]
#[allow(
    unsafe_code,
    reason = "the one place a descriptor number becomes a socket; see the module docs"
)]
fn from_fd(fd: i32) -> Result<TcpListener, String> {
    use std::os::fd::FromRawFd;
    // SAFETY: `fd` is a descriptor the parent process passed to this one (3 or above, named by
    // baton's environment variable), taken once per process (`TAKEN`), and nothing else in this
    // process opens, uses or closes it: the returned listener is its only owner.
    Ok(unsafe { TcpListener::from_raw_fd(fd) })
}

#[cfg(not(unix))]
fn from_fd(_fd: i32) -> Result<TcpListener, String> {
    Err("an inherited listener descriptor is supported on Unix only".into())
}
