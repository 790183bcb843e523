//! Exports used only by the gateway worker (pull-limit decisions, header values, client keys).
