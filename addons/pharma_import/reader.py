# This file is part of the pharma suite. See README.md for license terms.
"""Reading layer of the import engine: pure Python, no Tryton.

Formats are taken from the content: .xlsx (openpyxl, read-only streaming),
.xls (xlrd) and .csv (UTF-8 with or without BOM, GB18030).
Rows are streamed; memory does not grow with the file."""
import codecs
import csv
import datetime
import io
import pickle
import re
import tempfile
import unicodedata
import zipfile
from array import array
from decimal import Decimal, InvalidOperation

OLE2_MAGIC = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'
ZIP_MAGIC = b'PK\x03\x04'
# Refuse before parsing
MAX_FILE_SIZE = 512 * 1024 * 1024
MAX_UNCOMPRESSED = 2 * 1024 * 1024 * 1024
MAX_RATIO = 100
RATIO_MIN_SIZE = 16 * 1024 * 1024
# Header search area and the real-end-of-data guard
HEADER_ROWS = 30
MAX_BLANK_ROWS = 1000
MAX_COLUMNS = 1000
EXCEL_EPOCH = datetime.date(1899, 12, 30)


class FileRefused(Exception):
    """A file that cannot be imported; code names the ir.message
    'pharma_import.msg_import_<code>'"""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self):
        return '%s %s' % (self.code, self.params)


class CellError(Exception):
    "A value that cannot be converted; code names an ir.message"

    def __init__(self, code):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------- values

_SPACES = re.compile(r'[\s\u3000\xa0\u200b\ufeff]+')


def clean_text(value):
    "Cell value as text without leading, trailing or repeated spaces"
    if value is None:
        return ''
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and not (
            value.hour or value.minute or value.second
            or value.microsecond):
        value = value.date()
    if isinstance(value, bool):
        value = 'TRUE' if value else 'FALSE'
    return _SPACES.sub(' ', str(value)).strip()


def is_blank(value):
    return value is None or (isinstance(value, str) and not clean_text(value))


def normalize_header(value):
    "医院名称*, 医院 名称 and 医院名称： are the same header"
    value = unicodedata.normalize('NFKC', clean_text(value)).lower()
    return re.sub(r'[\s*:()\[\]<>._\-/\\#]+', '', value)


_DATE_PATTERNS = [
    re.compile(r'^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t].*)?$'),
    re.compile(r'^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?(?:\s.*)?$'),
    re.compile(r'^(\d{4})(\d{2})(\d{2})$'),
    # a month without its day (首次拜访: 2024年1月, 2024-01): its first day
    re.compile(r'^(\d{4})年(\d{1,2})月?$'),
    re.compile(r'^(\d{4})[-/.](\d{1,2})$'),
    ]


def to_date(value):
    "Date from a date(time), an Excel serial or a text date"
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466 and not (19000101 <= value <= 29991231):
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        value = str(int(value))
    text = unicodedata.normalize('NFKC', clean_text(value))
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = list(map(int, match.groups()))
            if len(parts) == 2:
                parts.append(1)
            try:
                return datetime.date(*parts)
            except ValueError:
                raise CellError('invalid_date')
    if re.fullmatch(r'\d+(\.0+)?', text):
        return to_date(float(text))
    raise CellError('invalid_date')


def to_datetime(value):
    if isinstance(value, datetime.datetime):
        return value
    date = to_date(value)
    if date is None:
        return None
    return datetime.datetime.combine(date, datetime.time())


_CURRENCY = re.compile(r'^[¥$€£]|元$')


def to_decimal(value):
    "Decimal from a number or a text with thousands separators/full width"
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise CellError('invalid_number')
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    text = unicodedata.normalize('NFKC', clean_text(value))
    text = _SPACES.sub('', text)
    text = _CURRENCY.sub('', text)
    if not text or text in {'-', '--'}:
        return None
    negative = False
    if text.startswith('(') and text.endswith(')'):
        negative, text = True, text[1:-1]
    if re.fullmatch(r'[-+]?\d{1,3}(,\d{3})+(\.\d*)?', text):
        text = text.replace(',', '')
    percent = text.endswith('%')
    if percent:
        text = text[:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError('invalid_number')
    if not number.is_finite():
        raise CellError('invalid_number')
    if percent:
        number /= 100
    return -number if negative else number


def to_integer(value):
    number = to_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError('invalid_integer')
    return int(number)


_TRUE = {'1', 'y', 'yes', 'true', 't', 'x', '是', '有', '√', '✓', '✔', '对'}
_FALSE = {'0', 'n', 'no', 'false', 'f', '否', '无', '×', '✗', '不', '没有'}


def to_boolean(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize('NFKC', clean_text(value)).lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError('invalid_boolean')


def to_char(value):
    text = clean_text(value)
    return text or None


def to_selection(value, selection):
    """selection: list of (key, [texts]); a key also matches itself"""
    text = clean_text(value)
    if not text:
        return None
    norm = normalize_header(text)
    for key, texts in selection:
        if norm == normalize_header(key) or norm in {
                normalize_header(t) for t in texts}:
            return key
    raise CellError('invalid_selection')


CONVERTERS = {
    'char': to_char,
    'text': to_char,
    'integer': to_integer,
    'numeric': to_decimal,
    'float': lambda v: (
        float(to_decimal(v)) if to_decimal(v) is not None else None),
    'date': to_date,
    'datetime': to_datetime,
    'boolean': to_boolean,
    }


def convert(value, type_, selection=None):
    if type_ == 'selection':
        return to_selection(value, selection or [])
    return CONVERTERS[type_](value)


def column_letter(index):
    "0 -> A"
    letters = ''
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters):
    "A -> 0"
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


_CELL = re.compile(r'^([A-Z]{1,3})(\d+)$')


def parse_range(ref):
    """'B2:C3' -> (min_row, min_col, max_row, max_col): rows 1-based,
    columns 0-based"""
    start, _, end = ref.partition(':')
    end = end or start
    m1, m2 = _CELL.match(start), _CELL.match(end)
    if not m1 or not m2:
        return None
    return (int(m1.group(2)), column_index(m1.group(1)),
        int(m2.group(2)), column_index(m2.group(1)))


# ---------------------------------------------------------------- sniffing

def _read_head(source, size=8):
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source[:size])
    with open(source, 'rb') as fp:
        return fp.read(size)


def _as_fileobj(source):
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source))
    return open(source, 'rb')


def _read_all(source):
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    with open(source, 'rb') as fp:
        return fp.read()


def _size(source):
    if isinstance(source, (bytes, bytearray, memoryview)):
        return len(source)
    import os
    return os.path.getsize(source)


def _ole2_stream_names(source):
    data = _read_all(source)
    names = set()
    try:
        from xlrd import compdoc
        doc = compdoc.CompDoc(data, logfile=io.StringIO())
        names = {d.name for d in doc.dirlist}
    except Exception:
        pass
    for name in ['EncryptedPackage', 'EncryptionInfo', 'Workbook', 'Book',
            'WordDocument', 'PowerPoint Document']:
        if name.encode('utf-16-le') + b'\x00\x00' in data[:1024 * 1024]:
            names.add(name)
    return names, data


def sniff(source, filename=None):
    """Return 'xlsx', 'xls' or 'csv' from the content; raise FileRefused
    for what cannot be read"""
    size = _size(source)
    if not size:
        raise FileRefused('empty_file')
    if size > MAX_FILE_SIZE:
        raise FileRefused('too_large', size=size)
    head = _read_head(source)
    if head.startswith(ZIP_MAGIC) or head.startswith(b'PK'):
        check_zip(source)
        return 'xlsx'
    if head.startswith(OLE2_MAGIC):
        names, _ = _ole2_stream_names(source)
        if {'EncryptedPackage', 'EncryptionInfo'} & names:
            raise FileRefused('encrypted')
        if {'Workbook', 'Book'} & names:
            return 'xls'
        raise FileRefused('not_spreadsheet')
    with _as_fileobj(source) as fp:
        sample = fp.read(64 * 1024)
    if b'\x00' in sample:
        raise FileRefused('not_spreadsheet')
    if sample.lstrip().lower().startswith((b'<html', b'<!doctype', b'<?xml',
                b'%pdf', b'{\\rtf')):
        raise FileRefused('not_spreadsheet')
    try:
        detect_encoding(sample)
    except UnicodeDecodeError:
        raise FileRefused('not_spreadsheet')
    return 'csv'


def check_zip(source):
    "Refuse corrupt zips, non-workbook zips and zip bombs before parsing"
    try:
        with _as_fileobj(source) as fp, zipfile.ZipFile(fp) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if 'EncryptedPackage' in names:
                raise FileRefused('encrypted')
            if 'xl/workbook.xml' not in names and not any(
                    n.endswith('workbook.xml') for n in names):
                raise FileRefused('not_spreadsheet')
            total = 0
            for info in infos:
                total += info.file_size
                if (info.file_size > RATIO_MIN_SIZE
                        and info.file_size > MAX_RATIO * max(
                            info.compress_size, 1)):
                    raise FileRefused('zip_bomb', size=info.file_size)
            if total > MAX_UNCOMPRESSED:
                raise FileRefused('zip_bomb', size=total)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError):
        raise FileRefused('corrupt')


def detect_encoding(sample):
    if sample.startswith(codecs.BOM_UTF8):
        return 'utf-8-sig'
    decoder = codecs.getincrementaldecoder('utf-8')()
    try:
        decoder.decode(sample, final=False)
        return 'utf-8'
    except UnicodeDecodeError:
        pass
    decoder = codecs.getincrementaldecoder('gb18030')()
    decoder.decode(sample, final=False)
    return 'gb18030'


# ---------------------------------------------------------------- readers

class Reader:
    "Streaming access to the sheets of a file"
    format = None

    def __init__(self, source):
        self.source = source

    def sheet_names(self):
        raise NotImplementedError

    def rows(self, sheet):
        "Yield (row number (1-based), [values]) of non-blank rows"
        raise NotImplementedError

    def merged_ranges(self, sheet, max_row):
        "[(min_row, min_col, max_row, max_col)] starting above max_row"
        return []

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()


def _trim(values):
    values = list(values[:MAX_COLUMNS])
    while values and is_blank(values[-1]):
        values.pop()
    return values


def _guarded(rows):
    """Stop at the real end of data: after MAX_BLANK_ROWS blank rows in a
    row, whatever the sheet's declared dimension says"""
    blank = 0
    for number, values in rows:
        values = _trim(values)
        if not values or all(is_blank(v) for v in values):
            blank += 1
            if blank >= MAX_BLANK_ROWS:
                return
            continue
        blank = 0
        yield number, values


class XLSXReader(Reader):
    format = 'xlsx'

    def __init__(self, source):
        super().__init__(source)
        import openpyxl
        import warnings
        self._fp = _as_fileobj(source)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                self.workbook = openpyxl.load_workbook(
                    self._fp, read_only=True, data_only=True,
                    keep_links=False)
        except FileRefused:
            raise
        except Exception:
            self._fp.close()
            raise FileRefused('corrupt')

    def sheet_names(self):
        return [ws.title for ws in self.workbook.worksheets]

    def _sheet(self, sheet):
        try:
            ws = self.workbook[sheet]
        except KeyError:
            raise FileRefused('unknown_sheet', sheet=sheet)
        if not hasattr(ws, 'reset_dimensions'):  # chartsheet
            raise FileRefused('empty_sheet', sheet=sheet)
        return ws

    def rows(self, sheet):
        ws = self._sheet(sheet)
        # The declared dimension may claim 1,048,576 rows x 16,384 columns:
        # forget it so that openpyxl neither pads rows nor columns
        ws.reset_dimensions()

        def generate():
            try:
                for row in ws.iter_rows():
                    values = []
                    number = None
                    for cell in row:
                        if number is None:
                            number = getattr(cell, 'row', None)
                        values.append(getattr(cell, 'value', None))
                    if number is None:
                        continue
                    yield number, values
            except FileRefused:
                raise
            except Exception:
                raise FileRefused('corrupt')
        return _guarded(generate())

    def merged_ranges(self, sheet, max_row):
        """openpyxl exposes merges only outside read-only mode, which would
        load the whole sheet: scan the sheet XML for <mergeCell ref=…/>
        (placed after the data) as a byte stream, without parsing it"""
        ws = self._sheet(sheet)
        path = getattr(ws, '_worksheet_path', None)
        if not path:
            return []
        pattern = re.compile(
            rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
        found = []
        tail = b''
        in_merge = False
        try:
            with self.workbook._archive.open(path) as fp:
                while True:
                    chunk = fp.read(1024 * 1024)
                    if not chunk:
                        break
                    data = tail + chunk
                    if not in_merge:
                        pos = data.find(b'mergeCells')
                        if pos < 0:
                            tail = data[-64:]
                            continue
                        in_merge = True
                        data = data[max(pos - 8, 0):]
                    last = 0
                    for match in pattern.finditer(data):
                        found.append(match.group(1).decode())
                        last = match.end()
                    tail = data[last:][-256:]
                    if b'</' in data and re.search(
                            rb'</(?:\w+:)?mergeCells>', data):
                        break
        except Exception:
            return []
        ranges = []
        for ref in dict.fromkeys(found):
            rng = parse_range(ref)
            if rng and rng[0] <= max_row:
                ranges.append(rng)
        return ranges

    def close(self):
        try:
            self.workbook.close()
        finally:
            self._fp.close()


class XLSReader(Reader):
    format = 'xls'

    def __init__(self, source):
        super().__init__(source)
        import xlrd
        self.xlrd = xlrd
        data = _read_all(source)
        try:
            self.workbook = xlrd.open_workbook(
                file_contents=data, formatting_info=True, on_demand=True,
                logfile=io.StringIO())
        except xlrd.XLRDError as exception:
            if 'encrypt' in str(exception).lower():
                raise FileRefused('encrypted')
            raise FileRefused('corrupt')
        except Exception:
            raise FileRefused('corrupt')

    def sheet_names(self):
        return self.workbook.sheet_names()

    def _sheet(self, sheet):
        try:
            return self.workbook.sheet_by_name(sheet)
        except self.xlrd.XLRDError:
            raise FileRefused('unknown_sheet', sheet=sheet)

    def rows(self, sheet):
        xlrd = self.xlrd
        ws = self._sheet(sheet)
        datemode = self.workbook.datemode

        def value(cell):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    return xlrd.xldate.xldate_as_datetime(
                        cell.value, datemode)
                except Exception:
                    return cell.value
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                return None
            if cell.ctype == xlrd.XL_CELL_ERROR:
                return None
            if cell.ctype == xlrd.XL_CELL_BOOLEAN:
                return bool(cell.value)
            if cell.ctype == xlrd.XL_CELL_NUMBER and float(
                    cell.value).is_integer():
                return int(cell.value)
            return cell.value

        def generate():
            for index in range(ws.nrows):
                yield index + 1, [value(c) for c in ws.row(index)]
        return _guarded(generate())

    def merged_ranges(self, sheet, max_row):
        ws = self._sheet(sheet)
        return [(rlo + 1, clo, rhi, chi - 1)
            for rlo, rhi, clo, chi in ws.merged_cells if rlo < max_row]

    def close(self):
        self.workbook.release_resources()


class CSVReader(Reader):
    format = 'csv'

    def __init__(self, source):
        super().__init__(source)
        with _as_fileobj(source) as fp:
            sample = fp.read(64 * 1024)
        try:
            self.encoding = detect_encoding(sample)
        except UnicodeDecodeError:
            raise FileRefused('not_spreadsheet')
        if self.encoding == 'utf-8':
            # ASCII at the start does not make the whole file UTF-8
            decoder = codecs.getincrementaldecoder('utf-8')()
            try:
                with _as_fileobj(source) as fp:
                    for chunk in iter(lambda: fp.read(1024 * 1024), b''):
                        decoder.decode(chunk)
                    decoder.decode(b'', final=True)
            except UnicodeDecodeError:
                self.encoding = 'gb18030'
        text = sample.decode(self.encoding, errors='ignore')
        first = text.splitlines()[0] if text.splitlines() else ''
        counts = {d: first.count(d) for d in [',', '\t', ';', '|']}
        self.delimiter = max(counts, key=counts.get) if any(
            counts.values()) else ','

    def sheet_names(self):
        return ['CSV']

    def rows(self, sheet):
        def generate():
            fp = _as_fileobj(self.source)
            try:
                text = io.TextIOWrapper(
                    fp, encoding=self.encoding, newline='')
                for index, values in enumerate(
                        csv.reader(text, delimiter=self.delimiter)):
                    yield index + 1, values
            except (UnicodeDecodeError, csv.Error):
                raise FileRefused('corrupt')
            finally:
                fp.close()
        return _guarded(generate())


READERS = {'xlsx': XLSXReader, 'xls': XLSReader, 'csv': CSVReader}


def open_file(source, filename=None):
    "Return a Reader for bytes or a path; raise FileRefused"
    format_ = sniff(source, filename)
    return READERS[format_](source)


# ---------------------------------------------------------------- layout

class Field:
    "What the reading layer needs of a field"

    def __init__(self, name, string=None, type='char', required=False,
            aliases=(), selection=None):
        self.name = name
        self.string = string or name
        self.type = type
        self.required = required
        self.aliases = list(aliases)
        self.selection = selection

    def header_keys(self):
        keys = [normalize_header(a) for a in self.aliases]
        keys.append(normalize_header(self.string))
        keys.append(normalize_header(self.name))
        return [k for k in dict.fromkeys(keys) if k]


class Layout:
    "Where the data is: sheet, header row, column index of each field"

    def __init__(self, sheet, header_row, columns, headers, ignored=None):
        self.sheet = sheet
        self.header_row = header_row
        self.columns = columns  # field name -> column index
        self.headers = headers  # field name -> header text found
        # [(column letter, header text)] of the header's columns that no
        # field reads: reported, never dropped silently
        self.ignored = ignored or []

    def column(self, name):
        index = self.columns.get(name)
        return column_letter(index) if index is not None else ''


def _fill_merged(rows, ranges):
    "Give every cell of a merged header range the top-left value"
    by_number = {n: v for n, v in rows}
    for min_row, min_col, max_row, max_col in ranges:
        top = by_number.get(min_row)
        if top is None or min_col >= len(top):
            continue
        value = top[min_col]
        for number in range(min_row, max_row + 1):
            values = by_number.get(number)
            if values is None:
                continue
            if len(values) <= max_col:
                values.extend([None] * (max_col + 1 - len(values)))
            for col in range(min_col, max_col + 1):
                if (number, col) != (min_row, min_col) and is_blank(
                        values[col]):
                    values[col] = value
    return rows


def find_layout(reader, sheet, fields, header_row=None, mapping=None,
        constants=None):
    """Find the header row among the first HEADER_ROWS rows.
    mapping: {field name: header text or column letter} from a template.
    Return (Layout, iterator of the remaining (number, values))"""
    rows = reader.rows(sheet)
    head = []
    for item in rows:
        head.append((item[0], list(item[1])))
        if len(head) >= HEADER_ROWS or (
                header_row and item[0] >= header_row):
            break
    if not head:
        raise FileRefused('empty_sheet', sheet=sheet)
    last = head[-1][0]
    ranges = reader.merged_ranges(sheet, last)
    if ranges:
        _fill_merged(head, ranges)
    mapping = mapping or {}
    keys = {f.name: f.header_keys() for f in fields}
    for name, header in mapping.items():
        if header and not re.fullmatch(r'[A-Z]{1,3}', header):
            keys[name] = [normalize_header(header)]

    def match(index):
        number, values = head[index]
        previous = head[index - 1] if index else None
        columns, headers = {}, {}
        for col, value in enumerate(values):
            texts = [clean_text(value)]
            if previous and previous[0] == number - 1 and col < len(
                    previous[1]):
                above = clean_text(previous[1][col])
                if above and above != texts[0]:
                    texts.append(above + texts[0])
            for text in texts:
                norm = normalize_header(text)
                if not norm:
                    continue
                for field in fields:
                    if field.name in columns:
                        continue
                    if norm in keys[field.name]:
                        columns[field.name] = col
                        headers[field.name] = text
                        break
                else:
                    continue
                break
        for name, header in mapping.items():
            if header and re.fullmatch(r'[A-Z]{1,3}', header):
                columns[name] = column_index(header)
                headers[name] = header
        return columns, headers

    best = None
    for index, (number, _) in enumerate(head):
        if header_row and number != header_row:
            continue
        columns, headers = match(index)
        missing = [f for f in fields
            if f.required and f.name not in columns
            and f.name not in (constants or {})]
        score = (not missing, len(columns))
        if best is None or score > best[0]:
            best = (score, index, columns, headers, missing)
    if best is None:
        raise FileRefused('empty_sheet', sheet=sheet)
    _, index, columns, headers, missing = best
    ignored = []
    used = set(columns.values())
    for col, value in enumerate(head[index][1]):
        text = clean_text(value)
        if text and col not in used:
            ignored.append((column_letter(col), text))
    if not columns:
        missing = [f for f in fields
            if f.required and f.name not in (constants or {})]
    if missing:
        raise FileRefused('missing_column', sheet=sheet,
            columns=', '.join(
                (f.aliases[0] if f.aliases else f.string) for f in missing))
    layout = Layout(sheet, head[index][0], columns, headers, ignored)

    def remaining():
        for number, values in head[index + 1:]:
            yield number, values
        yield from rows
    return layout, remaining()


# ---------------------------------------------------------------- skipped rows

_SUMMARY = re.compile(
    r'^(总合计|合计|总计|小计|累计|本页合计|本月合计|本期合计|共计|汇总'
    r'|grandtotal|subtotal|total|sum)(\W.*)?$')
_NOTE = re.compile(
    r'^(?:(?:注|备注|说明|附注|注意|单位|日期|来源|note|remark|source)\s*[:：]'
    r'|(?:制表|制单|审核|复核|打印|填表|填报|数据来源|联系人|联系电话|签字'
    r'|签名|盖章|printed|prepared)'
    r'|[*※#＊])')


def skip_reason(values, layout, fields, after_summary=False):
    """Why a data row is not a row of the table, or None:
    'summary' (合计/总计/小计…, often a formula), 'note' (a remark below
    or inside the table: 注：…, 制表人…, 数据来源…)"""
    texts = [(i, clean_text(v)) for i, v in enumerate(values)
        if not is_blank(v)]
    if not texts:
        return 'blank'
    mapped = set(layout.columns.values())
    for index, text in texts:
        if isinstance(values[index], (int, float, Decimal)) and not (
                isinstance(values[index], bool)):
            continue
        norm = unicodedata.normalize('NFKC', text).lower().replace(' ', '')
        norm = norm.replace('\u3000', '')
        if _SUMMARY.match(norm):
            return 'summary'
    required = [f.name for f in fields if f.required
        and f.name in layout.columns]
    present = {i for i, _ in texts}
    missing = [n for n in required if layout.columns[n] not in present]
    text = unicodedata.normalize('NFKC', texts[0][1]).lower()
    if _NOTE.match(text) and (len(texts) == 1 or missing):
        return 'note'
    if not (present & mapped):
        # only columns that no field reads
        return 'note'
    if after_summary and missing:
        # below the grand total, what is incomplete is no row
        return 'note'
    return None


# ---------------------------------------------------------------- packs

_PACK_TIMES = re.compile(r'[×xX*✕✖＊·•]')
_PACK_COUNT_UNIT = re.compile(
    r'(\d)(片|粒|丸|袋|支|瓶|贴|枚|板|包|粒装|片装|s|t|tab|tabs|caps|cap'
    r'|pcs|pc)(?=\*|$)')
_PACK_CONTAINER = re.compile(r'/(盒|瓶|袋|板|支|包|箱|box|bottle)$')


def normalize_pack(value):
    """20mg×7片, 20mg*7片, 20mgx7片, 20mg*7s, ２０ｍｇ＊７片 and 20 mg * 7片/盒
    are the same pack: '20mg*7'"""
    text = unicodedata.normalize('NFKC', clean_text(value)).lower()
    if not text:
        return ''
    text = re.sub(r'\s+', '', text)
    text = _PACK_CONTAINER.sub('', text)
    text = re.sub(r'(?<=[\d a-z%)])[×xX✕✖·•](?=\d)', '*', text)
    text = _PACK_TIMES.sub('*', text)
    text = _PACK_COUNT_UNIT.sub(r'\1', text)
    text = text.replace('毫克', 'mg').replace('微克', 'μg').replace(
        'ug', 'μg').replace('µg', 'μg').replace('毫升', 'ml').replace(
        '克', 'g')
    return text


# ---------------------------------------------------------------- similarity

def similarity(key, other, key_pinyin=None, other_pinyin=None):
    """0..1: how much two normalised names look alike: a short name
    contained in the long one (瑞金 in 上海交通大学医学院附属瑞金) is close,
    and so is the same pinyin (仁济/仁齐)"""
    import difflib
    if not key or not other:
        return 0.0
    if key == other:
        return 1.0
    score = difflib.SequenceMatcher(None, key, other).ratio()
    shorter, longer = sorted([key, other], key=len)
    if len(shorter) >= 2 and shorter in longer:
        score = max(score, 0.9)
    if key_pinyin and other_pinyin:
        if key_pinyin == other_pinyin:
            score = max(score, 0.95)
        else:
            score = max(score, difflib.SequenceMatcher(
                    None, key_pinyin, other_pinyin).ratio() - 0.1)
            ps, pl = sorted([key_pinyin, other_pinyin], key=len)
            if len(ps) >= 4 and ps in pl:
                score = max(score, 0.85)
    return score


def closest(key, candidates, n=3, cutoff=0.6, key_pinyin=None):
    """The n best of candidates [(key, pinyin, value)] with a similarity
    to key of at least cutoff: [(score, value)], best first"""
    import heapq
    scored = []
    for other, other_pinyin, value in candidates:
        score = similarity(key, other, key_pinyin, other_pinyin)
        if score >= cutoff:
            scored.append((score, value))
    return heapq.nlargest(n, scored, key=lambda s: s[0])


def read_values(layout, fields, values, constants=None):
    """Return ({field: converted}, {field: raw text}, [(field, code)])"""
    result, raw, errors = {}, {}, []
    constants = constants or {}
    for field in fields:
        if field.name in layout.columns:
            index = layout.columns[field.name]
            value = values[index] if index < len(values) else None
        elif field.name in constants:
            value = constants[field.name]
        else:
            continue
        raw[field.name] = clean_text(value)
        try:
            converted = convert(value, field.type, field.selection)
        except CellError as error:
            errors.append((field.name, error.code))
            continue
        if converted is None and field.required:
            errors.append((field.name, 'required'))
            continue
        result[field.name] = converted
    return result, raw, errors


def value_names(layout, fields, constants=None):
    "The names of the values read_values() returns for a row without error"
    constants = constants or {}
    return [f.name for f in fields
        if f.name in layout.columns or f.name in constants]


# ---------------------------------------------------------------- pass 1

PICKLE_PROTOCOL = pickle.HIGHEST_PROTOCOL
_MASK64 = (1 << 64) - 1


class RowSpill:
    """The converted rows of the validation pass, kept for the write pass
    so that the file is parsed once.

    A batch is pickled to an anonymous temporary file as soon as it is
    read (one tuple of values per row in the order of `names`, the raw
    cell texts only where they differ from the value), so memory holds
    one batch whatever the size of the file; the write pass reads the
    batches back in the same order."""

    def __init__(self):
        self._file = tempfile.TemporaryFile(prefix='pharma-import-')
        self.batches = 0
        self.rows = 0

    def append(self, layout_index, names, rows, results=None):
        """rows: [(row number, {name: value}, {name: raw text})] of one
        layout; results: a picklable value per row (the validation's
        outcome, see ImportEngine) or None"""
        packed = []
        for number, values, raw in rows:
            row_values = tuple(values.get(n) for n in names)
            row_raw = tuple(
                None if isinstance(v, str) and raw.get(n) == v
                else raw.get(n, '') for n, v in zip(names, row_values))
            packed.append((number, row_values, row_raw))
        pickle.dump((layout_index, names, packed, results), self._file,
            PICKLE_PROTOCOL)
        self.batches += 1
        self.rows += len(packed)

    def __iter__(self):
        """Yield (layout index, [(row number, values, raw)], results) per
        batch"""
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.batches):
            layout_index, names, packed, results = pickle.load(self._file)
            rows = []
            for number, row_values, row_raw in packed:
                values = dict(zip(names, row_values))
                raw = {n: v if r is None else r
                    for n, v, r in zip(names, row_values, row_raw)}
                rows.append((number, values, raw))
            yield layout_index, rows, results

    def close(self):
        self._file.close()


class KeySet:
    """The keys already seen in a file, for the in-file duplicate check,
    in about 16 bytes of memory per key instead of the key itself.

    Memory: an open-addressing hash table of two arrays of unsigned 64-bit
    integers: the 8-byte digest of each key (Python's hash(), consistent
    with ==, 0 meaning an empty slot) and the offset in an anonymous
    temporary file where the key and the place of its first row are
    pickled. The table grows by half when it is 3/4 full.

    Exactness: a digest hit is only a candidate; the first key is read
    back from the file and compared with ==, so a hash collision never
    refuses a row (it only costs one read), and the first row is reported
    exactly. A key that cannot be pickled is kept as is in a dict."""

    MAX_LOAD = 0.75

    def __init__(self, size=1024):
        self._size = size
        self._digests = array('Q', bytes(8 * size))
        self._offsets = array('Q', bytes(8 * size))
        self._count = 0
        self._file = None
        self._end = 0
        self._other = {}

    def __len__(self):
        return self._count + len(self._other)

    def __contains__(self, key):
        return self.get(key) is not None

    def memory(self):
        "Bytes held by the table"
        return (self._digests.itemsize * len(self._digests)
            + self._offsets.itemsize * len(self._offsets))

    @staticmethod
    def digest(key):
        return (hash(key) & _MASK64) or 1

    def _slot(self, digest):
        # hash() of a str or tuple is well mixed: modulo is enough
        return digest % self._size

    def _read(self, offset):
        self._file.seek(offset)
        key, location = pickle.load(self._file)
        self._file.seek(0, 2)
        return key, location

    def _find(self, key, digest):
        "(slot of key or of the empty slot where it goes, first location)"
        digests = self._digests
        size = self._size
        slot = self._slot(digest)
        while True:
            found = digests[slot]
            if not found:
                return slot, None
            if found == digest:
                first, location = self._read(self._offsets[slot])
                if first == key:
                    return slot, location
            slot += 1
            if slot == size:
                slot = 0

    def get(self, key):
        "The location given with the first add() of key or None"
        try:
            if key in self._other:
                return self._other[key]
        except TypeError:
            return None
        if not self._count:
            return None
        return self._find(key, self.digest(key))[1]

    def add(self, key, location):
        """Remember key with location (e.g. (sheet, row)) and return None,
        or return the location of the first add() of the same key"""
        if key in self._other:
            return self._other[key]
        digest = self.digest(key)
        if self._count:
            slot, first = self._find(key, digest)
            if first is not None:
                return first
        else:
            slot = self._slot(digest)
        try:
            data = pickle.dumps((key, location), PICKLE_PROTOCOL)
        except Exception:
            self._other[key] = location
            return None
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix='pharma-import-keys-')
        self._file.write(data)
        self._digests[slot] = digest
        self._offsets[slot] = self._end
        self._end += len(data)
        self._count += 1
        if self._count > self.MAX_LOAD * self._size:
            self._grow()
        return None

    def _grow(self):
        digests, offsets = self._digests, self._offsets
        self._size = self._size + self._size // 2
        self._digests = array('Q', bytes(8 * self._size))
        self._offsets = array('Q', bytes(8 * self._size))
        new_digests, new_offsets = self._digests, self._offsets
        size = self._size
        for digest, offset in zip(digests, offsets):
            if not digest:
                continue
            slot = self._slot(digest)
            while new_digests[slot]:
                slot += 1
                if slot == size:
                    slot = 0
            new_digests[slot] = digest
            new_offsets[slot] = offset

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None
        self._digests = array('Q')
        self._offsets = array('Q')
        self._size = self._count = self._end = 0
        self._other = {}


def write_xlsx(headers, rows, sheet_title='Sheet1'):
    "Write an .xlsx (write-only, streaming) and return its bytes"
    import openpyxl
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append(list(headers))
    for row in rows:
        sheet.append([
                float(v) if isinstance(v, Decimal) else v for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
