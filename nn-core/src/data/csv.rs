//! Tables in CSV files (the `csv` crate): a header row, `N` numeric feature
//! columns and one target column chosen by name.
//!
//! ```
//! use nn_core::data::csv;
//! let text = "sepal,petal,species\n5.1,1.4,setosa\n6.3,4.9,virginica\n5.8,4.0,versicolor\n";
//! let t = csv::parse_classes::<2>(text.as_bytes(), "iris.csv", "species")?;
//! assert_eq!(t.features, [[5.1, 1.4], [6.3, 4.9], [5.8, 4.0]]);
//! assert_eq!(t.classes, ["setosa", "versicolor", "virginica"]); // sorted
//! assert_eq!(t.labels, [0, 2, 1]);
//! assert_eq!(t.feature_names, ["sepal", "petal"]);
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! Errors name the file, the line (1-based, as an editor shows it: the
//! header is line 1, the first data row line 2) and the column:
//!
//! ```
//! use nn_core::data::csv;
//! let e = csv::parse_values::<1>("x,y\n1,2\n3,abc\n".as_bytes(), "t.csv", "y").unwrap_err();
//! assert_eq!(e.to_string(), "t.csv: line 3, column 2 \"y\": \"abc\" is not a number");
//! ```
//!
//! Features are all columns but the target, in file order. Values are parsed
//! as `f32` after trimming spaces; an empty field, a word, and `NaN` or `inf`
//! are errors. Class labels (any text; integer labels too) are mapped to
//! indices `0..k` in sorted order, numerically when every label is an
//! integer (so labels `0, 1, 2` keep their values), else lexicographically,
//! like scikit-learn's `LabelEncoder`.

use std::io::Read;
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::{Error, Result};

/// A classification table: features and class indices.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassTable<const N: usize> {
    /// The names of the `N` feature columns, in file order.
    pub feature_names: Vec<String>,
    /// One row of `N` features per data line.
    pub features: Vec<[f32; N]>,
    /// The class index of every row: the position of its label in `classes`.
    pub labels: Vec<usize>,
    /// The distinct labels, sorted (numerically if all are integers); `classes[i]` is class `i`.
    pub classes: Vec<String>,
}

impl<const N: usize> ClassTable<N> {
    /// The labels as one-hot rows of `K` outputs; an error if the table has more than `K` classes.
    pub fn one_hot<const K: usize>(&self) -> Result<Vec<[f32; K]>> {
        if self.classes.len() > K {
            return Err(Error::data(
                "one_hot",
                std::format!(
                    "the table has {} classes {:?}, more than the {K} outputs",
                    self.classes.len(),
                    self.classes
                ),
            ));
        }
        super::one_hot::<K>(&self.labels)
    }
}

/// A regression table: features and a numeric target.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueTable<const N: usize> {
    /// The names of the `N` feature columns, in file order.
    pub feature_names: Vec<String>,
    /// One row of `N` features per data line.
    pub features: Vec<[f32; N]>,
    /// The target value of every row.
    pub targets: Vec<f32>,
}

/// Reads a classification table from a CSV file; `target` names the label column.
pub fn read_classes<const N: usize>(path: impl AsRef<Path>, target: &str) -> Result<ClassTable<N>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    parse_classes(std::io::BufReader::new(file), &path.display().to_string(), target)
}

/// Reads a regression table from a CSV file; `target` names the numeric target column.
pub fn read_values<const N: usize>(path: impl AsRef<Path>, target: &str) -> Result<ValueTable<N>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    parse_values(std::io::BufReader::new(file), &path.display().to_string(), target)
}

/// [`read_classes`] on any reader; `source` names it in errors.
pub fn parse_classes<const N: usize>(reader: impl Read, source: &str, target: &str) -> Result<ClassTable<N>> {
    let raw = parse::<N>(reader, source, target)?;
    let all_integers = raw.targets.iter().all(|(t, _)| t.parse::<i64>().is_ok());
    let mut classes: Vec<String> = raw.targets.iter().map(|(t, _)| t.clone()).collect();
    if all_integers {
        classes.sort_by_key(|t| t.parse::<i64>().unwrap_or(0));
        classes.dedup_by(|a, b| a.parse::<i64>().ok() == b.parse::<i64>().ok());
    } else {
        classes.sort();
        classes.dedup();
    }
    let index = |t: &str| -> usize {
        if all_integers {
            let v = t.parse::<i64>().ok();
            classes.iter().position(|c| c.parse::<i64>().ok() == v).unwrap_or(0)
        } else {
            classes.binary_search_by(|c| c.as_str().cmp(t)).unwrap_or(0)
        }
    };
    let labels = raw.targets.iter().map(|(t, _)| index(t)).collect();
    Ok(ClassTable { feature_names: raw.feature_names, features: raw.features, labels, classes })
}

/// [`read_values`] on any reader; `source` names it in errors.
pub fn parse_values<const N: usize>(reader: impl Read, source: &str, target: &str) -> Result<ValueTable<N>> {
    let raw = parse::<N>(reader, source, target)?;
    let targets = raw
        .targets
        .iter()
        .map(|(t, line)| number(t, source, *line, raw.target_column, target))
        .collect::<Result<Vec<f32>>>()?;
    Ok(ValueTable { feature_names: raw.feature_names, features: raw.features, targets })
}

/// The parsed table with the target column still as text.
struct Raw<const N: usize> {
    feature_names: Vec<String>,
    features: Vec<[f32; N]>,
    /// The target text and the line it is on.
    targets: Vec<(String, u64)>,
    /// 0-based index of the target column.
    target_column: usize,
}

fn parse<const N: usize>(mut reader: impl Read, source: &str, target: &str) -> Result<Raw<N>> {
    let err = |message: String| Error::data(source, message);
    // The whole text is kept to count lines as the file has them (the csv
    // crate skips blank lines without counting them).
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| err(std::format!("cannot read: {e}")))?;
    let mut lines = LineCounter { bytes: &bytes, offset: 0, line: 1 };
    let mut rdr = ::csv::ReaderBuilder::new().has_headers(true).trim(::csv::Trim::All).from_reader(&bytes[..]);
    let header = rdr.headers().map_err(|e| csv_error(source, &e, &mut lines))?.clone();
    if header.is_empty() {
        return Err(err("empty file: expected a header row naming the columns".into()));
    }
    let names: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    let target_column = names.iter().position(|n| n == target).ok_or_else(|| {
        err(std::format!("no column named \"{target}\" for the target; the header has {}", quoted(&names)))
    })?;
    let feature_names: Vec<String> =
        names.iter().enumerate().filter(|&(i, _)| i != target_column).map(|(_, n)| n.clone()).collect();
    if feature_names.len() != N {
        return Err(err(std::format!(
            "{} feature columns besides the target \"{target}\" ({}), but the rows were asked for as [f32; {N}]",
            feature_names.len(),
            quoted(&feature_names)
        )));
    }
    let mut features = Vec::new();
    let mut targets = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(|e| csv_error(source, &e, &mut lines))?;
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        let mut row = [0.0f32; N];
        let mut k = 0;
        for (column, field) in record.iter().enumerate() {
            if column == target_column {
                if field.is_empty() {
                    return Err(err(std::format!("line {line}, column {} \"{target}\": empty label", column + 1)));
                }
                targets.push((field.to_string(), line));
            } else {
                row[k] = number(field, source, line, column, &names[column])?;
                k += 1;
            }
        }
        features.push(row);
    }
    if features.is_empty() {
        return Err(err("no data rows after the header".into()));
    }
    Ok(Raw { feature_names, features, targets, target_column })
}

/// A finite `f32` from a field, or an error naming the line and column.
fn number(field: &str, source: &str, line: u64, column: usize, name: &str) -> Result<f32> {
    let at = || std::format!("line {line}, column {} \"{name}\"", column + 1);
    if field.is_empty() {
        return Err(Error::data(source, std::format!("{}: empty value, expected a number", at())));
    }
    match field.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(Error::data(source, std::format!("{}: \"{field}\" is not a finite number", at()))),
        Err(_) => Err(Error::data(source, std::format!("{}: \"{field}\" is not a number", at()))),
    }
}

fn quoted(names: &[String]) -> String {
    let parts: Vec<String> = names.iter().map(|n| std::format!("\"{n}\"")).collect();
    parts.join(", ")
}

/// The 1-based line of a byte offset, counting every `\n` (offsets only grow).
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut to = (byte as usize).min(self.bytes.len());
        // A record's position is where the blank lines before it begin.
        while to < self.bytes.len() && matches!(self.bytes[to], b'\n' | b'\r') {
            to += 1;
        }
        if to < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.offset..to].iter().filter(|&&b| b == b'\n').count() as u64;
        self.offset = to;
        self.line
    }
}

fn csv_error(source: &str, e: &::csv::Error, lines: &mut LineCounter<'_>) -> Error {
    let message = match e.kind() {
        ::csv::ErrorKind::UnequalLengths { pos, expected_len, len } => {
            let line = pos.as_ref().map_or(0, |p| lines.line_at(p.byte()));
            std::format!("line {line}: {len} fields, but the header has {expected_len}")
        }
        ::csv::ErrorKind::Utf8 { pos, .. } => {
            let line = pos.as_ref().map_or(0, |p| lines.line_at(p.byte()));
            std::format!("line {line}: not valid UTF-8")
        }
        _ => e.to_string(),
    };
    Error::data(source, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    fn classes<const N: usize>(text: &str) -> Result<ClassTable<N>> {
        parse_classes::<N>(text.as_bytes(), "t.csv", "y")
    }

    #[test]
    fn integer_labels_sort_numerically() {
        let t = classes::<1>("x,y\n1,10\n2,2\n3,10\n4,0\n").unwrap();
        assert_eq!(t.classes, ["0", "2", "10"]);
        assert_eq!(t.labels, [2, 1, 2, 0]);
        let t = classes::<1>("y,x\n1, 0.5\n0 ,-1e3\n").unwrap();
        assert_eq!((&t.features, &t.labels), (&vec![[0.5], [-1000.0]], &vec![1, 0]));
        assert_eq!(t.one_hot::<2>().unwrap(), [[0.0, 1.0], [1.0, 0.0]]);
        assert!(t.one_hot::<1>().unwrap_err().to_string().contains("more than the 1 outputs"));
    }

    #[test]
    fn target_column_anywhere_features_in_order() {
        let t = classes::<3>("a,y,b,c\n1,cat,2,3\n4,dog,5,6\n").unwrap();
        assert_eq!(t.feature_names, ["a", "b", "c"]);
        assert_eq!(t.features, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        assert_eq!(t.classes, ["cat", "dog"]);
        let v = parse_values::<1>("x,y\n1,2.5\n".as_bytes(), "t.csv", "y").unwrap();
        assert_eq!(v.targets, [2.5]);
    }

    #[test]
    fn bad_input_names_line_and_column() {
        let e = |text: &str| classes::<2>(text).unwrap_err().to_string();
        assert_eq!(e("a,b,y\n1,2,x\n1,,x\n"), "t.csv: line 3, column 2 \"b\": empty value, expected a number");
        assert_eq!(e("a,b,y\n1,2,x\n\n1,zz,x\n"), "t.csv: line 4, column 2 \"b\": \"zz\" is not a number");
        assert_eq!(e("a,b,y\nNaN,2,x\n"), "t.csv: line 2, column 1 \"a\": \"NaN\" is not a finite number");
        assert_eq!(e("a,b,y\n1,2,x\n1,2\n"), "t.csv: line 3: 2 fields, but the header has 3");
        assert_eq!(e("a,b,y\r\n\r\n1,2,x\r\n\r\n1,2\r\n"), "t.csv: line 5: 2 fields, but the header has 3");
        assert_eq!(e("a,b,y\n1,2,\"x\ny\"\n1,q,x\n"), "t.csv: line 4, column 2 \"b\": \"q\" is not a number");
        assert_eq!(e("a,b,y\n1,2,\n"), "t.csv: line 2, column 3 \"y\": empty label");
        assert_eq!(
            e("a,b,label\n1,2,x\n"),
            "t.csv: no column named \"y\" for the target; the header has \"a\", \"b\", \"label\""
        );
        assert_eq!(
            e("a,b,c,y\n1,2,3,x\n"),
            "t.csv: 3 feature columns besides the target \"y\" (\"a\", \"b\", \"c\"), but the rows were asked for as [f32; 2]"
        );
        assert_eq!(e("a,b,y\n"), "t.csv: no data rows after the header");
        assert_eq!(e(""), "t.csv: empty file: expected a header row naming the columns");
        let v = parse_values::<1>("x,y\n1,2\n3,big\n".as_bytes(), "v.csv", "y").unwrap_err();
        assert_eq!(v.to_string(), "v.csv: line 3, column 2 \"y\": \"big\" is not a number");
    }

    #[test]
    fn quoted_fields_and_files() {
        let t = classes::<1>("x,y\n\"1.5\",\"Iris setosa\"\n").unwrap();
        assert_eq!(t.classes, ["Iris setosa"]);
        let e = read_classes::<1>("/nonexistent/file.csv", "y").unwrap_err().to_string();
        assert!(e.starts_with("/nonexistent/file.csv: "), "{e}");
    }
}
