//! Which driver handles the card: ATR hints plus probing by SELECT. TODO.
