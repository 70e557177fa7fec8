use core::fmt;

use super::Activation;
use crate::baked::ConstText;

/// The identity `f(z) = z`, `f'(z) = 1` (a linear layer).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Identity;

unsafe impl bytemuck::Zeroable for Identity {}
unsafe impl bytemuck::Pod for Identity {}

// SAFETY: zero-sized.
unsafe impl Activation for Identity {
    const EPILOGUE: Option<crate::kernel::Epilogue> = Some(crate::kernel::Epilogue::Identity);
    const NAME: ConstText = ConstText::EMPTY.str("Identity");
    const DESCRIPTION: &'static [crate::arch::Part] = &[crate::arch::Part::Text("Identity")];
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result {
        f.write_str("Identity")
    }
    fn forward(&self, z: &[f32], a: &mut [f32], _width: usize) {
        a.copy_from_slice(z);
    }
    fn backward(&self, _z: &[f32], _a: &[f32], _d: &mut [f32], _width: usize, _grad: &mut Self) {}
}
