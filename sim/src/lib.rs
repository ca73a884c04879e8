//! Virtual cards. TODO.
