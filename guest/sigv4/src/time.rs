//! The signing time, in the two forms SigV4 uses: the date `YYYYMMDD` of the credential scope and
//! the timestamp `YYYYMMDDTHHMMSSZ` of `X-Amz-Date` (ISO 8601 basic format, UTC; SigV4
//! documentation, "Create a canonical request" and "Create a string to sign").
//!
//! The calendar conversion is Howard Hinnant's `civil_from_days` (proleptic Gregorian calendar),
//! so no date crate is needed; nothing here reads a clock.

use core::fmt;
use core::str::FromStr;

/// The last second SigV4 can express: its dates have four-digit years.
const MAX_UNIX_SECONDS: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z

/// A UTC time to sign with, to the second.
///
/// Build it from unix seconds ([`SigningTime::from_unix_seconds`]) or parse it from an RFC 3339 UTC
/// timestamp such as `2015-08-30T12:36:00Z` (`"...".parse::<SigningTime>()`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SigningTime {
    /// `YYYYMMDDTHHMMSSZ`, ASCII.
    basic: [u8; 16],
}

impl SigningTime {
    /// The time `seconds` after 1970-01-01T00:00:00Z (leap seconds are not counted, as in unix
    /// time).
    ///
    /// # Errors
    ///
    /// [`TimeError::AfterYear9999`] if the time is after 9999-12-31T23:59:59Z.
    pub fn from_unix_seconds(seconds: u64) -> Result<Self, TimeError> {
        if seconds > MAX_UNIX_SECONDS {
            return Err(TimeError::AfterYear9999);
        }
        let (year, month, day) = civil_from_days(seconds / 86_400);
        let second_of_day = seconds % 86_400;
        // Every value is in range by construction: the year is at most 9999, the rest are
        // calendar and clock fields.
        Ok(Self::from_fields(
            year as u32,
            month,
            day,
            (second_of_day / 3_600) as u32,
            (second_of_day / 60 % 60) as u32,
            (second_of_day % 60) as u32,
        ))
    }

    /// The date, `YYYYMMDD`, as used in the credential scope.
    pub fn date(&self) -> &str {
        self.basic_str().get(..8).unwrap_or_default()
    }

    /// The date and time, `YYYYMMDDTHHMMSSZ`, as sent in `X-Amz-Date`.
    pub fn date_time(&self) -> &str {
        self.basic_str()
    }

    fn basic_str(&self) -> &str {
        // Always ASCII digits, 'T' and 'Z', so this never fails.
        core::str::from_utf8(&self.basic).unwrap_or_default()
    }

    /// Callers guarantee the ranges: year 0..=9999, month 1..=12, day 1..=31, hour 0..=23,
    /// minute and second 0..=59.
    fn from_fields(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Self {
        let mut basic = *b"00000000T000000Z";
        write_digits(&mut basic[0..4], year);
        write_digits(&mut basic[4..6], month);
        write_digits(&mut basic[6..8], day);
        write_digits(&mut basic[9..11], hour);
        write_digits(&mut basic[11..13], minute);
        write_digits(&mut basic[13..15], second);
        Self { basic }
    }
}

/// Writes `value` as decimal right-aligned in `out`, zero-padded; higher digits that do not fit
/// are dropped.
fn write_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The proleptic Gregorian (year, month, day) of the day `days` after 1970-01-01.
///
/// Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms", `civil_from_days`, restricted
/// to days on or after the epoch so that unsigned arithmetic suffices.
fn civil_from_days(days: u64) -> (u64, u32, u32) {
    // Count from 0000-03-01, so that the leap day is the last day of a (March-based) year.
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097; // [0, 146096]
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32; // [1, 31]
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32; // [1, 12]
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

const fn is_leap_year(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

const fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for SigningTime {
    type Err = TimeError;

    /// Parses an RFC 3339 timestamp in UTC: `2015-08-30T12:36:00Z`. Fractional seconds
    /// (`12:36:00.250Z`) are accepted and dropped, since SigV4 counts whole seconds; `t` and `z`
    /// may be lowercase, as RFC 3339 section 5.6 allows.
    fn from_str(text: &str) -> Result<Self, TimeError> {
        let bytes = text.as_bytes();
        let (Some(head), Some(zone)) = (bytes.get(..19), bytes.get(19..)) else {
            return Err(TimeError::Malformed);
        };
        let separators_ok = head[4] == b'-'
            && head[7] == b'-'
            && matches!(head[10], b'T' | b't')
            && head[13] == b':'
            && head[16] == b':';
        let field = |range: core::ops::Range<usize>| number(&head[range]);
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second), true) = (
            field(0..4),
            field(5..7),
            field(8..10),
            field(11..13),
            field(14..16),
            field(17..19),
            separators_ok,
        ) else {
            return Err(TimeError::Malformed);
        };

        let zone = match zone {
            [b'.', fraction @ ..] => {
                let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
                if digits == 0 {
                    return Err(TimeError::Malformed);
                }
                &fraction[digits..]
            }
            _ => zone,
        };
        match zone {
            [b'Z' | b'z'] => {}
            [b'+' | b'-', ..] => return Err(TimeError::NotUtc),
            _ => return Err(TimeError::Malformed),
        }

        let out_of_range = |field, value| Err(TimeError::OutOfRange { field, value });
        if !(1..=12).contains(&month) {
            return out_of_range("month", month);
        }
        if !(1..=days_in_month(year, month)).contains(&day) {
            return out_of_range("day", day);
        }
        if hour > 23 {
            return out_of_range("hour", hour);
        }
        if minute > 59 {
            return out_of_range("minute", minute);
        }
        if second > 59 {
            return out_of_range("second", second);
        }
        Ok(Self::from_fields(year, month, day, hour, minute, second))
    }
}

/// The value of a run of ASCII digits, or `None` if any byte is not a digit.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0_u32, |value, &digit| {
        digit
            .is_ascii_digit()
            .then(|| value * 10 + u32::from(digit - b'0'))
    })
}

impl fmt::Display for SigningTime {
    /// Writes `YYYYMMDDTHHMMSSZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.date_time())
    }
}

impl fmt::Debug for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SigningTime").field(&self.date_time()).finish()
    }
}

/// Why a [`SigningTime`] could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// The text is not shaped like `2015-08-30T12:36:00Z`.
    Malformed,
    /// The text has a UTC offset such as `+02:00` instead of `Z`.
    NotUtc,
    /// A field is outside its range: month 13, February 30, hour 24, second 60 (leap seconds
    /// cannot be signed), ...
    OutOfRange {
        /// `"month"`, `"day"`, `"hour"`, `"minute"` or `"second"`.
        field: &'static str,
        /// The value given.
        value: u32,
    },
    /// The time is after 9999-12-31T23:59:59Z: SigV4 dates have four-digit years.
    AfterYear9999,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str(
                "timestamp is malformed: use RFC 3339 in UTC, such as 2015-08-30T12:36:00Z",
            ),
            Self::NotUtc => f.write_str(
                "timestamp has a UTC offset: convert it to UTC and end it with Z, such as 2015-08-30T12:36:00Z",
            ),
            Self::OutOfRange { field, value } => {
                write!(f, "timestamp {field} {value} is out of range")
            }
            Self::AfterYear9999 => {
                f.write_str("time is after the year 9999, which SigV4 cannot express")
            }
        }
    }
}

impl core::error::Error for TimeError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> String {
        SigningTime::from_unix_seconds(seconds)
            .expect("in range")
            .date_time()
            .to_owned()
    }

    fn parse(text: &str) -> Result<SigningTime, TimeError> {
        text.parse()
    }

    #[test]
    fn unix_seconds_to_calendar() {
        assert_eq!(at(0), "19700101T000000Z");
        assert_eq!(at(1_440_938_160), "20150830T123600Z");
        // Leap years: 2000 is one (divisible by 400), 2100 is not (divisible by 100).
        assert_eq!(at(951_782_399), "20000228T235959Z");
        assert_eq!(at(951_782_400), "20000229T000000Z");
        assert_eq!(at(951_868_800), "20000301T000000Z");
        assert_eq!(at(1_709_164_800), "20240229T000000Z");
        assert_eq!(at(4_107_542_399), "21000228T235959Z");
        assert_eq!(at(4_107_542_400), "21000301T000000Z");
        // Past the signed 32-bit limit.
        assert_eq!(at(2_147_483_647), "20380119T031407Z");
        assert_eq!(at(2_147_483_648), "20380119T031408Z");
        assert_eq!(at(4_294_967_296), "21060207T062816Z");
        assert_eq!(at(MAX_UNIX_SECONDS), "99991231T235959Z");
    }

    #[test]
    fn date_is_the_first_eight_characters() {
        let time = SigningTime::from_unix_seconds(1_440_938_160).expect("in range");
        assert_eq!(time.date(), "20150830");
        assert_eq!(time.to_string(), "20150830T123600Z");
        assert_eq!(format!("{time:?}"), "SigningTime(\"20150830T123600Z\")");
    }

    #[test]
    fn after_year_9999_is_an_error() {
        assert_eq!(
            SigningTime::from_unix_seconds(MAX_UNIX_SECONDS + 1),
            Err(TimeError::AfterYear9999)
        );
        assert_eq!(
            SigningTime::from_unix_seconds(u64::MAX),
            Err(TimeError::AfterYear9999)
        );
    }

    #[test]
    fn parses_rfc3339_utc() {
        let expected = SigningTime::from_unix_seconds(1_440_938_160).expect("in range");
        assert_eq!(parse("2015-08-30T12:36:00Z"), Ok(expected));
        assert_eq!(parse("2015-08-30t12:36:00z"), Ok(expected));
        assert_eq!(parse("2015-08-30T12:36:00.999Z"), Ok(expected));
        assert_eq!(
            parse("2000-02-29T00:00:00Z"),
            SigningTime::from_unix_seconds(951_782_400)
        );
        assert_eq!(
            parse("2038-01-19T03:14:08Z"),
            SigningTime::from_unix_seconds(2_147_483_648)
        );
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        for malformed in [
            "",
            "2015-08-30",
            "2015-08-30T12:36:00",
            "2015-08-30 12:36:00Z",
            "2015/08/30T12:36:00Z",
            "2015-8-30T12:36:00Z",
            "2015-08-30T12:36Z",
            "2015-08-30T12:36:00ZZ",
            "2015-08-30T12:36:00.Z",
            "2015-08-30T12:36:0aZ",
            "+015-08-30T12:36:00Z",
            "2015-08-30T12:36:00\u{00e9}",
            "\u{00e9}2015-08-30T12:36:00Z",
        ] {
            assert_eq!(parse(malformed), Err(TimeError::Malformed), "{malformed:?}");
        }
        assert_eq!(parse("2015-08-30T12:36:00+00:00"), Err(TimeError::NotUtc));
        assert_eq!(parse("2015-08-30T12:36:00.5-07:00"), Err(TimeError::NotUtc));
        let out_of_range = |field, value| Err(TimeError::OutOfRange { field, value });
        assert_eq!(parse("2015-00-30T12:36:00Z"), out_of_range("month", 0));
        assert_eq!(parse("2015-13-30T12:36:00Z"), out_of_range("month", 13));
        assert_eq!(parse("2015-08-00T12:36:00Z"), out_of_range("day", 0));
        assert_eq!(parse("2015-09-31T12:36:00Z"), out_of_range("day", 31));
        assert_eq!(parse("2015-02-29T12:36:00Z"), out_of_range("day", 29));
        assert_eq!(parse("2100-02-29T12:36:00Z"), out_of_range("day", 29));
        assert_eq!(parse("2015-08-30T24:00:00Z"), out_of_range("hour", 24));
        assert_eq!(parse("2015-08-30T12:60:00Z"), out_of_range("minute", 60));
        assert_eq!(parse("2016-12-31T23:59:60Z"), out_of_range("second", 60));
        assert_eq!(
            TimeError::OutOfRange {
                field: "month",
                value: 13
            }
            .to_string(),
            "timestamp month 13 is out of range"
        );
    }
}
