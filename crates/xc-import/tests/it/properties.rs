//! Properties over generated input: any table written by a CSV writer (commas, quotes, line
//! breaks, Chinese, full-width characters and stray spaces in the cells) reads back cell for
//! cell, normalised, with the row numbers a spreadsheet would show; dates in every accepted form
//! and numbers read back as written; normalisation is idempotent.

use proptest::prelude::*;
use time::Date;
use xc_import::{
    Column, Limits, Schema, TableReader, normalise_cell, parse_date, parse_decimal, parse_integer,
};

const KEYS: [&str; 3] = ["a", "b", "c"];

fn cell() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 ,\"\n\r张三书法（）０-９Ａ-Ｚ　.:-]{0,12}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_written_table_reads_back_normalised_with_spreadsheet_row_numbers(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 3), 1..20)
    ) {
        let mut writer = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .from_writer(Vec::new());
        writer.write_record(["甲", "乙", "丙"]).unwrap();
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        let bytes = writer.into_inner().unwrap();
        let schema = Schema::new([
            Column::optional("a", &["甲"]),
            Column::optional("b", &["乙"]),
            Column::optional("c", &["丙"]),
        ])
        .unwrap();
        let expected: Vec<(u64, Vec<Option<String>>)> = rows
            .iter()
            .enumerate()
            .map(|(index, row)| {
                (index as u64 + 2, row.iter().map(|cell| normalise_cell(cell)).collect::<Vec<_>>())
            })
            .filter(|(_, cells)| cells.iter().any(Option::is_some))
            .collect();
        let read = TableReader::from_reader(std::io::Cursor::new(bytes), &schema, Limits::default());
        let mut reader = read.unwrap();
        let mut actual = Vec::new();
        loop {
            match reader.next_row() {
                Ok(Some(row)) => {
                    let cells = KEYS
                        .iter()
                        .map(|key| match row.cell(key).text() {
                            Ok(text) => text.map(String::from),
                            // Refused as formula-like: compare the value the problem carries.
                            Err(problem) => Some(problem.value),
                        })
                        .collect();
                    actual.push((row.number(), cells));
                }
                Ok(None) => break,
                Err(error) => {
                    prop_assert!(expected.is_empty(), "{error}");
                    break;
                }
            }
        }
        prop_assert_eq!(actual, expected);
    }

    #[test]
    fn dates_read_back_in_every_form(days in 0i64..109_572) {
        let date = Date::from_calendar_date(1900, time::Month::January, 1).unwrap()
            + time::Duration::days(days);
        let (year, month, day) = (date.year(), u8::from(date.month()), date.day());
        for text in [
            format!("{year}-{month:02}-{day:02}"),
            format!("{year}/{month}/{day}"),
            format!("{year}.{month:02}.{day:02}"),
            format!("{year}{month:02}{day:02}"),
            format!("{year}年{month}月{day}日"),
        ] {
            prop_assert_eq!(parse_date(&text), Ok(date), "{}", text);
        }
    }

    #[test]
    fn numbers_read_back_as_written(whole in any::<i64>(), fraction in 0u32..1000) {
        prop_assert_eq!(parse_integer(&whole.to_string()), Ok(whole));
        let text = format!("{whole}.{fraction:03}");
        prop_assert_eq!(parse_decimal(&text), Ok(text.clone()));
    }

    #[test]
    fn normalising_twice_changes_nothing(text in cell()) {
        let once = normalise_cell(&text);
        if let Some(once) = &once {
            let twice = normalise_cell(once);
            prop_assert_eq!(twice.as_ref(), Some(once));
            prop_assert_eq!(once.trim(), once.as_str());
        }
    }
}
