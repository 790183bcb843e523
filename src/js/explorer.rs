//! Exports used only by the explorer and the gateway's `/api/v1/` (metadata computed by the core).
