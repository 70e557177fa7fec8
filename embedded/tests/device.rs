//! `cargo test` (inside embedded/): the same checks as `cargo run`, as a test
//! without the standard harness, run on the emulated board; semihosting
//! carries the exit status (0: all passed) back to cargo.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;

#[entry]
fn main() -> ! {
    let mut cp = cortex_m::Peripherals::take().unwrap();
    let ok = nn_firmware::run_all(&mut cp.SYST);
    hprintln!("{}", if ok { "1 passed, 0 failed" } else { "0 passed, 1 failed" });
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {
        cortex_m::asm::nop();
    }
}
