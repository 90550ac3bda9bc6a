//! The few `f64` roundings the core needs. `f64::floor` and friends live in std, not core; these are
//! exact for every finite `f64` (from 2^52 up every `f64` is already an integer) and keep NaN and
//! infinities as they are, so the `no_std` wasm build and the native tests share one implementation.

/// 2^52: every `f64` of at least this magnitude is an integer.
const INTEGRAL: f64 = 4_503_599_627_370_496.0;

/// Round toward zero.
fn trunc(x: f64) -> f64 {
    if x > -INTEGRAL && x < INTEGRAL {
        // In range of i64 and exact: the cast truncates.
        x as i64 as f64
    } else {
        x
    }
}

/// Round down.
pub fn floor(x: f64) -> f64 {
    let t = trunc(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// Round up.
pub fn ceil(x: f64) -> f64 {
    let t = trunc(x);
    if t < x {
        t + 1.0
    } else {
        t
    }
}

/// The fractional part (`x - trunc(x)`), 0 for integers.
pub fn fract(x: f64) -> f64 {
    x - trunc(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std() {
        let samples = [
            0.0,
            0.5,
            1.0,
            1.5,
            2.999,
            -0.5,
            -1.0,
            -1.5,
            -2.999,
            1e15 + 0.5,
            -1e15 - 0.5,
            4.5e15,
            1e300,
            -1e300,
            123_456.789,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        // Equal, or both NaN (fract of an infinity); -0.0 == 0.0 is fine for every caller.
        let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
        for x in samples {
            assert!(same(floor(x), x.floor()), "floor {x}");
            assert!(same(ceil(x), x.ceil()), "ceil {x}");
            assert!(same(fract(x), x.fract()), "fract {x}");
        }
        assert!(floor(f64::NAN).is_nan() && ceil(f64::NAN).is_nan());
    }
}
