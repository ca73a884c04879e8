//! Client side of the vsmartcard-vpcd wire protocol (shared/HARNESS.md): the virtual card connects to
//! vpcd over TCP; every message is a 2-byte big-endian length and a payload. 1-byte payloads are
//! control (00 power off, 01 power on, 02 reset, 04 get ATR); longer ones are command APDUs.
//!
//! Latency: vpcd writes length and payload in two send() calls without TCP_NODELAY, so with delayed
//! ACKs every APDU would cost ~44 ms. We set TCP_NODELAY, write each message in one call, and re-arm
//! TCP_QUICKACK (one-shot on Linux) before every read.
//!
//! Card removal = closing the connection, which also happens when the process is killed.

use crate::card::VirtualCard;
use crate::state::StateFile;
use crate::stats::ApduStats;
use crate::trace;
use socket2::SockRef;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

const POWER_OFF: u8 = 0x00;
const POWER_ON: u8 = 0x01;
const RESET: u8 = 0x02;
const GET_ATR: u8 = 0x04;

pub struct Options {
    pub addr: String,
    /// How long to keep retrying while vpcd is not listening yet.
    pub connect_timeout: Duration,
    pub stats: Option<PathBuf>,
    /// `--state`: PIN state rewritten after each change (state.rs).
    pub state: Option<StateFile>,
    pub trace: bool,
    /// `--slow`: every APDU is answered this late.
    pub answer_delay: Duration,
}

/// Connect to vpcd, retrying until `timeout` has passed.
pub fn connect(addr: &str, timeout: Duration) -> io::Result<TcpStream> {
    let deadline = Instant::now() + timeout;
    loop {
        let attempt = addr
            .to_socket_addrs()
            .and_then(|mut addrs| {
                addrs
                    .next()
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address"))
            })
            .and_then(|a| TcpStream::connect_timeout(&a, Duration::from_secs(1)));
        match attempt {
            Ok(s) => {
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Read one message; `None` when vpcd closed the connection.
fn read_message(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    SockRef::from(&*stream).set_tcp_quickack(true)?;
    let mut len = [0u8; 2];
    match stream.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    SockRef::from(&*stream).set_tcp_quickack(true)?;
    stream.read_exact(&mut payload)?;
    Ok(Some(payload))
}

/// Length and payload in one write (see the module comment).
fn write_message(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "response longer than 65535"))?;
    let mut msg = Vec::with_capacity(payload.len() + 2);
    msg.extend_from_slice(&len.to_be_bytes());
    msg.extend_from_slice(payload);
    stream.write_all(&msg)
}

/// The other end of the wire, for tests that play vpcd: sends one message.
pub fn host_send(stream: &mut TcpStream, payload: &[u8]) {
    write_message(stream, payload).expect("vpcd message sent");
}

/// The other end of the wire, for tests that play vpcd: receives one message.
pub fn host_recv(stream: &mut TcpStream) -> Vec<u8> {
    read_message(stream)
        .expect("vpcd message read")
        .expect("connection open")
}

/// Serve the card on an established connection until vpcd closes it.
pub fn serve(card: &mut dyn VirtualCard, stream: &mut TcpStream, opts: &Options) -> io::Result<()> {
    let mut stats = ApduStats::default();
    if let Some(path) = &opts.stats {
        stats.write_to(path, &card.counters())?;
    }
    let mut saved = None;
    save_state(card, opts, &mut saved)?;
    while let Some(msg) = read_message(stream)? {
        match msg.as_slice() {
            [] => {}
            [POWER_OFF] | [POWER_ON] | [RESET] => card.reset(),
            [GET_ATR] => write_message(stream, &card.atr())?,
            [other] => {
                if opts.trace {
                    eprintln!("cardsim: unknown vpcd control byte {other:02X}");
                }
            }
            apdu => {
                let resp = card.process(apdu);
                if opts.trace {
                    eprintln!("{}", trace::command(apdu));
                    eprintln!("{}", trace::response(&resp));
                }
                // Stats first: once the host has the response, the file already counts it.
                stats.record(apdu.len(), resp.len());
                if let Some(path) = &opts.stats {
                    stats.write_to(path, &card.counters())?;
                }
                save_state(card, opts, &mut saved)?;
                if !opts.answer_delay.is_zero() {
                    thread::sleep(opts.answer_delay);
                }
                write_message(stream, &resp)?;
            }
        }
    }
    Ok(())
}

/// Rewrite the `--state` file when the card's PIN state differs from what was last written.
fn save_state(
    card: &dyn VirtualCard,
    opts: &Options,
    saved: &mut Option<crate::state::PinState>,
) -> io::Result<()> {
    let (Some(file), Some(now)) = (&opts.state, card.pin_state()) else {
        return Ok(());
    };
    if saved.as_ref() != Some(&now) {
        file.save(&now)?;
        *saved = Some(now);
    }
    Ok(())
}

/// Connect and serve; returns when vpcd goes away.
pub fn run(card: &mut dyn VirtualCard, opts: &Options) -> io::Result<()> {
    let mut stream = connect(&opts.addr, opts.connect_timeout)?;
    serve(card, &mut stream, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{self, CardOptions};
    use std::net::TcpListener;

    use super::{host_recv as recv, host_send as send};

    /// Plays vpcd: power on, ATR, a few APDUs, power off, then closes; the card side must count the
    /// APDUs and return cleanly.
    #[test]
    fn talks_vpcd_protocol() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stats = std::env::temp_dir().join(format!("cardsim-vpcd-test-{}", std::process::id()));
        let opts = Options {
            addr,
            connect_timeout: Duration::from_secs(5),
            stats: Some(stats.clone()),
            state: None,
            trace: false,
            answer_delay: Duration::ZERO,
        };
        let server = thread::spawn(move || {
            let mut card = card::build("cns", None, &CardOptions::default()).unwrap();
            run(card.as_mut(), &opts)
        });
        let (mut s, _) = listener.accept().unwrap();
        send(&mut s, &[POWER_ON]);
        send(&mut s, &[GET_ATR]);
        assert_eq!(recv(&mut s)[..2], [0x3B, 0xFF]);
        send(
            &mut s,
            &[0x00, 0xA4, 0x08, 0x0C, 0x04, 0x10, 0x00, 0x10, 0x03],
        );
        assert_eq!(recv(&mut s), [0x90, 0x00]);
        send(&mut s, &[0x00, 0xB0, 0x00, 0x00, 0x10]);
        assert_eq!(recv(&mut s).len(), 18);
        send(&mut s, &[POWER_OFF]);
        send(&mut s, &[0x00, 0xB0, 0x00, 0x00, 0x10]);
        assert_eq!(recv(&mut s), [0x69, 0x86], "reset forgets the current EF");
        drop(s);
        server.join().unwrap().unwrap();
        let line = std::fs::read_to_string(&stats).unwrap();
        assert_eq!(
            line,
            "apdus=3 bytes_in=19 bytes_out=22 pin_tries=3 puk_tries=10 pin_verified=0\n"
        );
        let _ = std::fs::remove_file(stats);
    }

    /// `--state`: a wrong VERIFY is in the file before the host sees its answer, and a card started
    /// again from the file has the same counter (state.rs).
    #[test]
    fn state_survives_restart() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let path = std::env::temp_dir().join(format!("cardsim-state-vpcd-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let file = StateFile {
            path: path.clone(),
            card: "cns".into(),
            variant: "cardos".into(),
        };
        let opts = Options {
            addr: listener.local_addr().unwrap().to_string(),
            connect_timeout: Duration::from_secs(5),
            stats: None,
            state: Some(file.clone()),
            trace: false,
            answer_delay: Duration::ZERO,
        };
        let server = thread::spawn(move || {
            let mut card = card::build("cns", Some("cardos"), &CardOptions::default()).unwrap();
            run(card.as_mut(), &opts)
        });
        let (mut s, _) = listener.accept().unwrap();
        let mut wrong = vec![0x00, 0x20, 0x00, 0x10, 0x08];
        wrong.extend_from_slice(b"11111\xFF\xFF\xFF");
        send(&mut s, &wrong);
        assert_eq!(recv(&mut s), [0x63, 0xC2]);
        let saved = file.load().unwrap().unwrap();
        assert_eq!((saved.pin_tries, saved.puk_tries), (2, 10));
        drop(s);
        server.join().unwrap().unwrap();

        let mut again = card::build("cns", Some("cardos"), &CardOptions::default()).unwrap();
        again.restore_pin_state(&saved).unwrap();
        assert!(again.counters().contains(&("pin_tries", 2)));
        assert_eq!(again.pin_state(), Some(saved));
        let _ = std::fs::remove_file(path);
    }
}
