//! The login throttle's shared state (see `accounts::throttle`).
