//! Reading an uploaded file into a table of text cells: CSV in UTF-8, UTF-16 (with BOM) or
//! GBK/GB18030 (what Chinese Excel writes), detected from the bytes; any common delimiter; or the
//! first worksheet of an XLSX workbook.
use crate::domain::forms::ErrorCode;
use crate::domain::import::Record;

/// One data row and its line in the file (the header is line 1 for CSV, row 1 for XLSX).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

impl Record for Row {
    fn cell(&self, index: usize) -> Option<&str> {
        self.cells.get(index).map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// "UTF-8", "GB18030", "UTF-16LE", "XLSX".
    pub encoding: &'static str,
    pub headers: Vec<String>,
    /// Data rows, blank rows left out.
    pub rows: Vec<Row>,
}

const XLSX_MAGIC: &[u8] = b"PK\x03\x04";

/// Reads a CSV or XLSX file. A file that is neither, has no header row, or is not text in any
/// supported encoding is `NotReadable`; problems inside rows are left to the row checks.
pub fn read_table(bytes: &[u8]) -> Result<Table, ErrorCode> {
    if bytes.starts_with(XLSX_MAGIC) {
        return read_xlsx(bytes);
    }
    let (text, encoding) = decode_text(bytes)?;
    let mut rows = Vec::new();
    let mut headers = None;
    let mut too_many = false;
    for_each_csv_record(&text, |line, record| {
        let cells: Vec<String> = record.iter().map(unescaped).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        match headers {
            None => headers = Some(cells),
            Some(_) if rows.len() >= MAX_ROWS => too_many = true,
            Some(_) if cells.len() > MAX_COLUMNS => too_many = true,
            Some(_) => rows.push(Row { line, cells }),
        }
    })?;
    if too_many || headers.as_ref().is_some_and(|h| h.len() > MAX_COLUMNS) {
        return Err(too_large());
    }
    let headers = headers.ok_or(ErrorCode::NotReadable)?;
    Ok(Table {
        encoding,
        headers,
        rows,
    })
}

/// Text of a CSV file: UTF-8 (a BOM is dropped), UTF-16 when it starts with its BOM, otherwise
/// GB18030 (a superset of GBK and GB2312). Bytes that are valid in none are `NotReadable`.
///
/// Short GBK text can also be valid UTF-8 ("通" is CD A8, which UTF-8 reads as a combining mark):
/// when the UTF-8 reading contains characters no Chinese or Western spreadsheet would (C1
/// controls, combining marks, Greek to Syriac, private use) and the GB18030 reading has none, the
/// file is GB18030.
pub fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), ErrorCode> {
    if let Some((encoding, bom_length)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, malformed) = encoding.decode_without_bom_handling(&bytes[bom_length..]);
        return if malformed {
            Err(ErrorCode::NotReadable)
        } else {
            Ok((text.into_owned(), encoding.name()))
        };
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let gbk =
            || encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes);
        if text.chars().any(implausible) {
            if let Some(gbk) = gbk().filter(|t| !t.chars().any(implausible)) {
                return Ok((gbk.into_owned(), "GB18030"));
            }
        }
        return Ok((text.to_string(), "UTF-8"));
    }
    // Binary files (images, zip archives other than XLSX) are not text in any encoding.
    if bytes.contains(&0) {
        return Err(ErrorCode::NotReadable);
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| (text.into_owned(), "GB18030"))
        .ok_or(ErrorCode::NotReadable)
}

/// A character a customer list in Chinese or a Western language would not contain.
fn implausible(c: char) -> bool {
    matches!(c as u32, 0x80..=0x9F | 0x2B0..=0x7FF | 0xE000..=0xF8FF | 0xFFFD)
}

/// The delimiter of a CSV text: whichever of `,` `;` tab `|` occurs most often outside quotes in
/// the header line (a comma when none does).
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for byte in text.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|&c| c == byte) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..4)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// A CSV cell as typed: spreadsheets (and Jingxi's own exports) write text that would start a
/// formula with a leading apostrophe, which is not part of the value.
fn unescaped(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => cell.to_string(),
    }
}

/// Calls `visit` with every record of a CSV text and the line it starts on. Rows may have any
/// number of cells (a short row is reported by the row checks, not here).
pub fn for_each_csv_record(
    text: &str,
    mut visit: impl FnMut(u64, &csv::StringRecord),
) -> Result<(), ErrorCode> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(text))
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => visit(record.position().map_or(0, |p| p.line()), &record),
            Ok(false) => return Ok(()),
            // The text is valid UTF-8 and the reader is flexible, so only I/O could fail here.
            Err(_) => return Err(ErrorCode::NotReadable),
        }
    }
}

/// What a file may hold: above the largest real file (UCI Online Retail has 541,909 rows and 8
/// columns) and far below what would take the server's memory.
pub const MAX_ROWS: usize = 1_000_000;
pub const MAX_COLUMNS: usize = 256;
/// The unpacked size of an XLSX archive's parts together: a few kilobytes of zip can inflate to
/// gigabytes, so the parts are measured (by inflating into nothing) before anything is parsed.
pub const MAX_INFLATED_BYTES: u64 = 512 * 1024 * 1024;

fn too_large() -> ErrorCode {
    ErrorCode::TableTooLarge {
        max_rows: MAX_ROWS as u64,
        max_columns: MAX_COLUMNS as u64,
    }
}

/// Inflates every part of the archive into a counter, stopping at the limit. The sizes an archive
/// declares are not trusted: a crafted one can state any.
fn check_inflated_size(bytes: &[u8], limit: u64) -> Result<(), ErrorCode> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| ErrorCode::NotReadable)?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index(index)
            .map_err(|_| ErrorCode::NotReadable)?;
        let room = limit - total;
        let read = std::io::copy(
            &mut std::io::Read::take(entry, room + 1),
            &mut std::io::sink(),
        )
        .map_err(|_| ErrorCode::NotReadable)?;
        if read > room {
            return Err(too_large());
        }
        total += read;
    }
    Ok(())
}

/// Reads the first worksheet cell by cell (calamine's dense `Range` would allocate rows × columns
/// for a sheet whose only cells are A1 and XFD1048576: 550 GB), so memory follows the cells that
/// exist, and a cell beyond the column or row limit ends the reading.
fn read_xlsx(bytes: &[u8]) -> Result<Table, ErrorCode> {
    use calamine::{Data, Reader};
    check_inflated_size(bytes, MAX_INFLATED_BYTES)?;
    let mut workbook =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| ErrorCode::NotReadable)?;
    let first_sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or(ErrorCode::NotReadable)?;
    let mut cells = workbook
        .worksheet_cells_reader(&first_sheet)
        .map_err(|_| ErrorCode::NotReadable)?;
    let text = |cell: &Data| match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    };
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    // The row being read: its sheet row and its cells so far (cells arrive row by row).
    let mut current: Option<(u32, Vec<String>)> = None;
    let finish = |row: u32,
                  cells: Vec<String>,
                  headers: &mut Option<Vec<String>>,
                  rows: &mut Vec<Row>|
     -> Result<(), ErrorCode> {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        match headers {
            None => *headers = Some(cells),
            Some(_) if rows.len() >= MAX_ROWS => return Err(too_large()),
            Some(_) => rows.push(Row {
                line: u64::from(row) + 1,
                cells,
            }),
        }
        Ok(())
    };
    while let Some(cell) = cells.next_cell().map_err(|_| ErrorCode::NotReadable)? {
        let (row, column) = cell.get_position();
        let column = column as usize;
        if column >= MAX_COLUMNS {
            return Err(too_large());
        }
        let value = text(&Data::from(cell.get_value().clone()));
        if current.as_ref().is_none_or(|(at, _)| *at != row) {
            if let Some((at, done)) = current.take() {
                finish(at, done, &mut headers, &mut rows)?;
            }
            current = Some((row, Vec::new()));
        }
        if let Some((_, row_cells)) = current.as_mut() {
            if value.is_empty() {
                continue;
            }
            if row_cells.len() <= column {
                row_cells.resize(column + 1, String::new());
            }
            row_cells[column] = value;
        }
    }
    if let Some((at, done)) = current.take() {
        finish(at, done, &mut headers, &mut rows)?;
    }
    Ok(Table {
        encoding: "XLSX",
        headers: headers.ok_or(ErrorCode::NotReadable)?,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the exports write, this reader reads back (`exports`' own tests check the bytes).
    #[test]
    fn exported_csv_reads_back() {
        let bytes = crate::exports::to_csv(&crate::exports::tests::table()).unwrap();
        let read = read_table(&bytes).unwrap();
        assert_eq!(read.rows[0].cells[0], "北京华通, \"总部\"");
        assert_eq!(
            read.rows[1].cells[0], "=HYPERLINK(\"x\")",
            "the escaping is undone on the way back in"
        );
    }

    #[test]
    fn xlsx_reads_back_with_calamine() {
        let bytes = crate::exports::to_xlsx(&crate::exports::tests::table()).unwrap();
        let read = read_table(&bytes).unwrap();
        assert_eq!(read.encoding, "XLSX");
        assert_eq!(read.headers, ["名称", "金额", "日期", "数量"]);
        assert_eq!(read.rows[0].cells[0], "北京华通, \"总部\"");
        assert_eq!(read.rows[0].cells[1], "1234.56");
        assert_eq!(read.rows[0].cells[2], "2026-11-23 00:00:00");
        assert_eq!(
            read.rows[1].cells[0], "=HYPERLINK(\"x\")",
            "a string cell, never a formula"
        );
    }

    fn workbook(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for &(row, column, text) in cells {
            sheet.write_string(row, column, text).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sheet_spanning_the_whole_grid_is_refused_without_allocating_it() {
        // The file that took the server down: one cell at A1, one at XFD1048576 (1.6 KB).
        let bytes = workbook(&[(0, 0, "名称"), (1_048_575, 16_383, "x")]);
        assert!(bytes.len() < 10_000);
        assert_eq!(read_table(&bytes), Err(too_large()));
        // Far rows with few columns are fine: memory follows the cells that exist.
        let table = read_table(&workbook(&[
            (0, 0, "名称"),
            (0, 2, "电话"),
            (1_048_575, 2, "010"),
        ]))
        .unwrap();
        assert_eq!(table.headers, ["名称", "", "电话"]);
        assert_eq!(
            (
                table.rows.len(),
                table.rows[0].line,
                table.rows[0].cells.clone()
            ),
            (
                1,
                1_048_576,
                vec![String::new(), String::new(), "010".to_string()]
            )
        );
    }

    #[test]
    fn an_archive_that_inflates_past_the_limit_is_refused() {
        let bytes = workbook(&[(0, 0, "名称"), (1, 0, &"很长".repeat(5_000))]);
        assert_eq!(check_inflated_size(&bytes, 10_000), Err(too_large()));
        assert_eq!(check_inflated_size(&bytes, MAX_INFLATED_BYTES), Ok(()));
        assert_eq!(
            check_inflated_size(b"PK\x03\x04 not an archive", MAX_INFLATED_BYTES),
            Err(ErrorCode::NotReadable)
        );
    }

    #[test]
    fn csv_rows_and_columns_are_capped() {
        let mut text = String::from("a\n");
        text.push_str(&"1\n".repeat(MAX_ROWS));
        assert_eq!(
            read_table(text.as_bytes()).map(|t| t.rows.len()),
            Ok(MAX_ROWS)
        );
        text.push_str("2\n");
        assert_eq!(read_table(text.as_bytes()), Err(too_large()));
        let wide = format!("{}\n1\n", vec!["h"; MAX_COLUMNS + 1].join(","));
        assert_eq!(read_table(wide.as_bytes()), Err(too_large()));
    }

    fn gbk(text: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(text).0.into_owned()
    }

    #[test]
    fn gbk_utf8_and_utf16_are_told_apart() {
        let csv = "客户名称,电话\n北京华通科技有限公司,010-12345678\n";
        let table = read_table(&gbk(csv)).unwrap();
        assert_eq!(
            (
                table.encoding,
                table.headers[0].as_str(),
                table.rows[0].cells[0].as_str()
            ),
            ("GB18030", "客户名称", "北京华通科技有限公司")
        );
        let table = read_table(format!("\u{feff}{csv}").as_bytes()).unwrap();
        assert_eq!(
            (table.encoding, table.headers[0].as_str()),
            ("UTF-8", "客户名称")
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(csv.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let table = read_table(&utf16).unwrap();
        assert_eq!(
            (table.encoding, table.rows[0].cells[1].as_str()),
            ("UTF-16LE", "010-12345678")
        );
        // GBK bytes that happen to be valid UTF-8, and UTF-8 that happens to be valid GBK.
        assert_eq!(
            decode_text(&gbk("a,通,a")),
            Ok(("a,通,a".to_string(), "GB18030"))
        );
        assert_eq!(
            decode_text("Café Müller,Zürich".as_bytes()),
            Ok(("Café Müller,Zürich".to_string(), "UTF-8"))
        );
    }

    #[test]
    fn delimiters_quotes_blank_rows_and_lines() {
        let table =
            read_table("名称;备注\n\"A;B\";\"两行\n备注\"\n\n;;\nC;x\n".as_bytes()).unwrap();
        assert_eq!(table.headers, ["名称", "备注"]);
        assert_eq!(
            table
                .rows
                .iter()
                .map(|r| (r.line, r.cells[0].as_str()))
                .collect::<Vec<_>>(),
            [(2, "A;B"), (6, "C")]
        );
        assert_eq!(sniff_delimiter("a\tb\tc,d\n1,2,3,4,5"), b'\t');
        assert_eq!(sniff_delimiter("only"), b',');
    }

    #[test]
    fn a_file_cut_off_mid_row_keeps_its_short_last_row() {
        let table = read_table("name,phone,city\nA,1,X\nB,\"2".as_bytes()).unwrap();
        assert_eq!(table.rows.last().unwrap().cells, ["B", "2"]);
    }

    /// Everything the import path does with a file short of the database: read it, guess its
    /// columns, check every row as a customer and as a product. Must never panic.
    fn check_everything(bytes: &[u8]) {
        use crate::domain::import::{check_product, guess_mapping, ImportKind, Mapping};
        let Ok(table) = read_table(bytes) else { return };
        for kind in ImportKind::ALL {
            let choices: Vec<String> = guess_mapping(*kind, &table.headers)
                .into_iter()
                .map(|g| g.unwrap_or("").to_string())
                .collect();
            // Every column mapped to some field too, so each checker sees every cell.
            let all: Vec<String> = (0..table.headers.len())
                .map(|i| kind.fields()[i % kind.fields().len()].key.to_string())
                .collect();
            for choices in [choices, all] {
                let Ok(mapping) = Mapping::from_choices(*kind, &choices, table.headers.len())
                else {
                    continue;
                };
                for row in &table.rows {
                    let _ = mapping.cut_off(row);
                    match kind {
                        ImportKind::Products => {
                            let _ = check_product(&mapping, row);
                        }
                        ImportKind::Customers => {
                            let form = crate::customers::CustomerForm {
                                name: mapping.value(row, "name").into(),
                                phone: mapping.value(row, "phone").into(),
                                stage: mapping.value(row, "stage").into(),
                                ..Default::default()
                            };
                            let _ = crate::customers::check_customer(&form);
                        }
                        ImportKind::FollowUps => {
                            let form = crate::customers::FollowUpForm {
                                kind: mapping.value(row, "kind").into(),
                                summary: mapping.value(row, "summary").into(),
                                next_date: mapping.value(row, "next_date").into(),
                                ..Default::default()
                            };
                            let _ = crate::customers::check_follow_up(&form);
                        }
                        // The other kinds check their rows against the database (tested through HTTP).
                        _ => {}
                    }
                }
            }
        }
    }

    #[test]
    fn the_corpus_never_panics() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import-corpus");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "csv") {
                check_everything(&std::fs::read(&path).unwrap());
                read += 1;
            }
        }
        assert!(read >= 15, "the corpus is in {}", dir.display());
        let gb18030 = read_table(&std::fs::read(dir.join("gb18030-rare.csv")).unwrap()).unwrap();
        assert_eq!(
            gb18030.rows[0].cells[0], "𠀀字号商行",
            "four-byte GB18030 characters decode"
        );
        let lone_cr = read_table(&std::fs::read(dir.join("lone-cr.csv")).unwrap()).unwrap();
        assert_eq!(lone_cr.rows.len(), 2, "old Mac line ends separate rows");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Arbitrary bytes never panic the reader or the row checks.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            check_everything(&bytes);
        }

        /// Arbitrary text shaped like CSV (quotes, delimiters, line ends, Chinese) never panics, and
        /// what was written as a simple table reads back cell for cell.
        #[test]
        fn csv_like_text_never_panics(text in "[a-z华通\\\",;\t|\r\n ]{0,300}") {
            check_everything(text.as_bytes());
            check_everything(&encoding_rs::GBK.encode(&text).0);
        }

        #[test]
        fn simple_tables_round_trip(cells in proptest::collection::vec(proptest::collection::vec("[a-z0-9华通客户名称电话北京上海公司有限科技贸易张王李]{1,8}", 3), 1..20)) {
            let text: String = std::iter::once("name,phone,city".to_string()).chain(cells.iter().map(|row| row.join(","))).map(|line| line + "\n").collect();
            let table = read_table(&encoding_rs::GBK.encode(&text).0).unwrap();
            let read: Vec<Vec<String>> = table.rows.into_iter().map(|r| r.cells).collect();
            proptest::prop_assert_eq!(read, cells);
        }
    }

    #[test]
    fn unreadable_files() {
        assert_eq!(read_table(b""), Err(ErrorCode::NotReadable));
        assert_eq!(
            read_table(b"\x89PNG\r\n\x1a\n\0\0\0"),
            Err(ErrorCode::NotReadable)
        );
        assert_eq!(
            read_table(b"PK\x03\x04not really a workbook"),
            Err(ErrorCode::NotReadable)
        );
        assert_eq!(
            read_table(&[0xC3, 0x28, 0xFF, 0xFF]),
            Err(ErrorCode::NotReadable)
        );
    }
}
