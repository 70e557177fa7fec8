//! `cargo run` (inside embedded/): every check of the library on the emulated
//! Cortex-M4F, printing as it goes; exit status 0 if all pass, 1 otherwise.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use panic_semihosting as _;

#[entry]
fn main() -> ! {
    let mut cp = cortex_m::Peripherals::take().unwrap();
    let ok = nn_firmware::run_all(&mut cp.SYST);
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {
        cortex_m::asm::nop();
    }
}
