//! atp
