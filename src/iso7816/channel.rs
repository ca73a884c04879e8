//! A card channel: one transaction's worth of APDU exchange. TODO: implement.

use crate::transport::Channel;

pub struct CardChannel<'a> {
    _inner: &'a mut dyn Channel,
}
