//! Registration numbers (diarienummer): every incoming case gets one when it arrives, in
//! sequence per calendar year, and every document about the case shows it.

use crate::db::{self, DbConnection};

/// `SB-2020-0001`: the service's series, the year the case arrived, the number in that year.
pub fn format(year: i32, number: i32) -> String {
    format!("SB-{year}-{number:04}")
}

/// Takes the next number of the year. Runs inside the caller's transaction, so a case that
/// is not stored does not use up a number.
pub fn next(conn: &mut DbConnection, year: i32) -> diesel::QueryResult<String> {
    let number = db::registration::next_in_sequence(conn, year)?;
    Ok(format(year, number))
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_with_year_and_four_digits() {
        assert_eq!(super::format(2020, 7), "SB-2020-0007");
        assert_eq!(super::format(2021, 12345), "SB-2021-12345");
    }
}
