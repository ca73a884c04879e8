//! The module assembled: PC/SC readers (`transport`) and tokens (`token`) wired into the
//! state machine's readers interface (`cryptoki::readers`). It sits outside the layers
//! (architecture.json's note), so that `cryptoki` never sees PC/SC and `token` never
//! sees a reader; the C boundary hands it to C_Initialize.

use crate::card::Inserted;
use crate::cryptoki::device::Device;
use crate::cryptoki::readers::{Backend, Bindable, Readers, ReadersError};
use crate::token::{Token, TokenError};
use crate::transport::{PcscSystem, Transport, TransportError};
use std::sync::Arc;
use std::time::Duration;

/// PC/SC, the module's only way to readers.
pub fn pcsc() -> Backend {
    Backend {
        establish: Arc::new(|| {
            PcscSystem::establish()
                .map(|system| Box::new(PcscReaders(system)) as Box<dyn Readers>)
                .map_err(readers_error)
        }),
    }
}

struct PcscReaders(PcscSystem);

impl Readers for PcscReaders {
    fn names(&self) -> Result<Vec<String>, ReadersError> {
        self.0.readers().map_err(readers_error)
    }

    fn insert(&self, reader: &str) -> Result<Option<Box<dyn Bindable>>, ReadersError> {
        let transport = self.0.connect(reader).map_err(readers_error)?;
        Ok(transport.map(|t| Box::new(PcscCard(t)) as Box<dyn Bindable>))
    }

    fn wait_for_change(&self, timeout: Duration) -> Result<bool, ReadersError> {
        self.0.wait_for_change(timeout).map_err(readers_error)
    }

    fn cancel(&self) {
        self.0.cancel()
    }
}

/// A connected card, bound as a `Token`.
struct PcscCard(Box<dyn Transport>);

impl Bindable for PcscCard {
    fn atr(&self) -> &[u8] {
        self.0.atr()
    }

    fn bind(self: Box<Self>) -> Result<Option<Box<dyn Device>>, TokenError> {
        Token::bind(Inserted::new(self.0)).map(|t| t.map(|t| Box::new(t) as Box<dyn Device>))
    }
}

fn readers_error(e: TransportError) -> ReadersError {
    match e {
        TransportError::NoService => ReadersError::NoService,
        e => ReadersError::Other(e.to_string()),
    }
}
