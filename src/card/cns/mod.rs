//! TS-CNS / CRS driver (cns.md). TODO.
