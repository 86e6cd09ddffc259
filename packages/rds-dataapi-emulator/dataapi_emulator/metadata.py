"""Column metadata of a result, as the Data API's ColumnMetadata describes it (JDBC type, precision, nullability,
source table), from the result's descriptors and the catalog, with the catalog lookups cached per database."""

from __future__ import annotations

from typing import Any

import psycopg

from .encoding import JDBC_TYPES

PRECISION = {
    "bool": 1,
    "int2": 5,
    "int4": 10,
    "int8": 19,
    "float4": 8,
    "float8": 17,
    "date": 13,
    "time": 15,
    "timetz": 21,
    "timestamp": 29,
    "timestamptz": 35,
    "uuid": 36,
}
SIGNED = {"int2", "int4", "int8", "float4", "float8", "numeric", "money"}
CASE_SENSITIVE = {"text", "varchar", "bpchar", "name", "char", "json", "jsonb", "xml"}


class Catalog:
    """Type names and table columns by OID, cached per database (OIDs are per database)."""

    def __init__(self) -> None:
        self._typnames: dict[tuple[str, int], str] = {}
        self._tables: dict[tuple[str, int], tuple[str, str, dict[int, tuple[bool, bool]]]] = {}

    def typname(self, conn: psycopg.Connection, database: str, oid: int) -> str:
        key = (database, oid)
        name = self._typnames.get(key)
        if name is None:
            info = psycopg.postgres.types.get(oid)
            if info is not None:
                # psycopg indexes array types under their element's TypeInfo; PostgreSQL names them "_elem"
                name = "_" + info.name if info.array_oid == oid else info.name
            else:
                row = conn.execute("SELECT typname FROM pg_catalog.pg_type WHERE oid = $1", [oid]).fetchone()
                name = row[0] if row else "unknown"
            self._typnames[key] = name
        return name

    def table(self, conn: psycopg.Connection, database: str, oid: int) -> tuple[str, str, dict[int, tuple[bool, bool]]]:
        key = (database, oid)
        info = self._tables.get(key)
        if info is None:
            row = conn.execute(
                "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.oid = $1",
                [oid],
            ).fetchone()
            cols = {
                num: (notnull, auto)
                for num, notnull, auto in conn.execute(
                    "SELECT a.attnum, a.attnotnull, (a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid),"
                    " '') LIKE 'nextval(%') FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d "
                    "ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = $1 AND a.attnum > 0",
                    [oid],
                ).fetchall()
            }
            info = (row[0], row[1], cols) if row else ("", "", {})
            self._tables[key] = info
        return info

    def columns(self, conn: psycopg.Connection, database: str, res: Any, typnames: list[str]) -> list[dict[str, Any]]:
        """One ColumnMetadata per column of the libpq result `res`."""
        out = []
        for i, typname in enumerate(typnames):
            name = res.fname(i).decode()
            fmod = res.fmod(i)
            precision, scale = PRECISION.get(typname, 2147483647), 0
            if typname == "numeric":
                precision, scale = ((fmod - 4) >> 16 & 0xFFFF, (fmod - 4) & 0xFFFF) if fmod >= 4 else (0, 0)
            elif typname in ("varchar", "bpchar") and fmod >= 4:
                precision = fmod - 4
            schema = table = ""
            nullable, auto = 2, False
            table_oid = res.ftable(i)
            if table_oid:
                schema, table, cols = self.table(conn, database, table_oid)
                notnull, auto = cols.get(res.ftablecol(i), (None, False))
                nullable = 2 if notnull is None else (0 if notnull else 1)
            out.append(
                {
                    "name": name,
                    "label": name,
                    "type": 2003 if typname.startswith("_") else JDBC_TYPES.get(typname, 1111),
                    "typeName": typname,
                    "precision": precision,
                    "scale": scale,
                    "nullable": nullable,
                    "isSigned": typname in SIGNED,
                    "isCurrency": typname == "money",
                    "isCaseSensitive": typname in CASE_SENSITIVE,
                    "isAutoIncrement": bool(auto),
                    "schemaName": schema,
                    "tableName": table,
                    "arrayBaseColumnType": JDBC_TYPES.get(typname[1:], 1111) if typname.startswith("_") else 0,
                }
            )
        return out
