/**
 * The python3 program behind PythonSqliteWriter, embedded so that the bundle carries it. It holds
 * one sqlite3 connection to an existing database and answers newline-delimited JSON requests on
 * stdin, one JSON line each on stdout.
 *
 * Start: `python3 -I -c <script> <database path> <busy timeout ms>`. First line out:
 *   {"ready": true, "python": "3.11.2", "sqlite": "3.40.1"}  or  {"ready": false, "error": "..."}
 * Requests:
 *   {"id": 1, "op": "transaction", "statements": [["UPDATE …", [1, "x", null]], …]}
 *   {"id": 2, "op": "query", "sql": "SELECT …", "params": […]}
 * Replies:
 *   {"id": 1, "ok": true, "result": [[changes, rowid], …]}       (a transaction)
 *   {"id": 2, "ok": true, "result": [[column, …], [[value, …], …]]} (a query)
 *   {"id": 1, "ok": false, "error": "SQLite's message", "code": 19, "index": 2}
 *
 * Rules it keeps: the database is opened with `mode=rw`, so a missing file is an error and never
 * created; `journal_mode` is never set, so the database keeps the mode its owner chose; every value
 * is a bound parameter. Integers in requests beyond ±2^53 arrive as REAL, as JavaScript meant them.
 * Values read back: BLOBs as {"blob": hex}, ±Infinity as {"inf": ±1}; larger integers are refused.
 *
 * Test hook: PITWALL_SQLITE_WRITER_STEP_DELAY_MS=<ms> makes it sleep before each statement of a
 * transaction, so that tests can kill it reliably inside one.
 */
export const sqliteWriterScript = String.raw`
import json, os, sys, time

MAX_SAFE = 9007199254740991


def send(message):
    sys.stdout.write(json.dumps(message, allow_nan=False) + '\n')
    sys.stdout.flush()


try:
    import sqlite3
    # What urllib.request offers as pathname2url, without importing urllib.request (http.client,
    # email, ssl...): tens of milliseconds of every acknowledgment's start.
    if os.name == 'nt':
        from nturl2path import pathname2url
    else:
        from urllib.parse import quote as pathname2url
except ImportError as error:
    send({'ready': False, 'error': 'Python has no sqlite3 module (' + str(error) + ')'})
    sys.exit(1)


class Failure(Exception):
    def __init__(self, error, index=None):
        Exception.__init__(self, str(error))
        self.code = error_code(error)
        self.index = index


def error_code(error):
    code = getattr(error, 'sqlite_errorcode', None)
    if code is not None:
        return code
    # Before Python 3.11 the result code is not exposed: recover the ones callers act on.
    text = str(error)
    if isinstance(error, sqlite3.IntegrityError):
        return 19
    if 'database is locked' in text or 'database is busy' in text:
        return 5
    if 'database table is locked' in text:
        return 6
    return None


def parse_int(text):
    value = int(text)
    return value if -MAX_SAFE <= value <= MAX_SAFE else float(text)


def out_value(value):
    if isinstance(value, bytes):
        return {'blob': value.hex()}
    if isinstance(value, float) and value in (float('inf'), float('-inf')):
        return {'inf': 1 if value > 0 else -1}
    if isinstance(value, int) and not -MAX_SAFE <= value <= MAX_SAFE:
        raise ValueError('the integer %d is beyond what a JavaScript number holds exactly' % value)
    return value


def connect(path, busy_ms):
    uri = 'file:' + pathname2url(os.path.abspath(path)) + '?mode=rw'
    con = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_ms / 1000.0, check_same_thread=False)
    # Text that is not UTF-8 is read with replacement characters rather than failing the read.
    con.text_factory = lambda data: data.decode('utf-8', 'replace')
    con.execute('PRAGMA busy_timeout = %d' % busy_ms)
    # Reading the schema proves the file is a database without writing anything.
    con.execute('SELECT count(*) FROM sqlite_master').fetchall()
    return con


def rollback(con):
    if con.in_transaction:
        try:
            con.execute('ROLLBACK')
        except sqlite3.Error:
            pass


def transaction(con, statements, step_delay):
    try:
        con.execute('BEGIN IMMEDIATE')
    except sqlite3.Error as error:
        raise Failure(error)
    try:
        results = []
        for index, (sql, params) in enumerate(statements):
            if step_delay:
                time.sleep(step_delay)
            before = con.total_changes
            try:
                cursor = con.execute(sql, params)
                cursor.fetchall()
            except Exception as error:
                raise Failure(error, index)
            rowid = cursor.lastrowid
            if rowid is not None and not -MAX_SAFE <= rowid <= MAX_SAFE:
                rowid = None
            results.append([con.total_changes - before, rowid])
        try:
            con.execute('COMMIT')
        except sqlite3.Error as error:
            raise Failure(error)
        return results
    except BaseException:
        rollback(con)
        raise


def query(con, sql, params):
    con.execute('PRAGMA query_only = ON')
    try:
        cursor = con.execute(sql, params)
        rows = [[out_value(value) for value in row] for row in cursor.fetchall()]
        columns = [column[0] for column in cursor.description or []]
        return [columns, rows]
    except Exception as error:
        raise Failure(error)
    finally:
        con.execute('PRAGMA query_only = OFF')


def main():
    path, busy_ms = sys.argv[1], int(sys.argv[2])
    step_delay = float(os.environ.get('PITWALL_SQLITE_WRITER_STEP_DELAY_MS') or 0) / 1000.0
    try:
        con = connect(path, busy_ms)
    except sqlite3.Error as error:
        send({'ready': False, 'error': str(error), 'code': error_code(error)})
        return 1
    # sys.version's first word is what platform.python_version() gives, without importing platform (10 ms of every start).
    send({'ready': True, 'python': sys.version.split()[0], 'sqlite': sqlite3.sqlite_version})
    for line in sys.stdin.buffer:
        request = json.loads(line.decode('utf-8'), parse_int=parse_int)
        try:
            if request['op'] == 'transaction':
                result = transaction(con, request['statements'], step_delay)
            else:
                result = query(con, request['sql'], request['params'])
            send({'id': request['id'], 'ok': True, 'result': result})
        except Failure as failure:
            send({'id': request['id'], 'ok': False, 'error': str(failure), 'code': failure.code, 'index': failure.index})
    con.close()
    return 0


sys.exit(main())
`;
