//! String building without `core::fmt` for the task's hot path.
//!
//! In the component (built for size) a `format!` goes through the formatting machinery's
//! dynamic dispatch and padding logic: a fifth of a run's own time went there, for messages and
//! URLs that are plain concatenations. Errors and rare messages keep `format!`.

use alloc::string::String;

/// `parts` put end to end, in one allocation.
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Appends `n` in decimal.
pub fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0_u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // ASCII digits: always UTF-8.
    out.push_str(core::str::from_utf8(&digits[at..]).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn concat_joins_in_order() {
        assert_eq!(concat(&[]), "");
        assert_eq!(concat(&["a", "", "bc", "d"]), "abcd");
    }

    #[test]
    fn decimals_match_display() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            443,
            8080,
            65535,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, "x".to_string() + &n.to_string());
        }
    }
}
