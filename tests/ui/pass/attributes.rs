use nn::prelude::*;

nn::network! {
    /// A doc comment on the struct.
    ///
    /// Several lines of it.
    #[doc = "And a `#[doc]` attribute."]
    #[allow(dead_code)]
    #[cfg_attr(all(), derive(Debug))]
    #[must_use]
    pub struct Documented {
        Dense<2, 2, ReLU>,
        Dense<2, 1>,
    }
}

fn main() {
    let mut rng = nn::rng(6);
    let a = Documented::new(&mut rng);
    let b = a;
    assert_eq!(a.predict(&[1.0, 2.0]), b.predict(&[1.0, 2.0]));
    // `Debug` derived through `cfg_attr`.
    assert!(format!("{a:?}").starts_with("Documented { layer0: "));
}
