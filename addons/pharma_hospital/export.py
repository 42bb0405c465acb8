# This file is part of the pharma suite. See README.md for license terms.
"""Exporting the rows of a big list by batches of reads.

The web client exports with ``export_data(ids, fields_names)`` or
``export_data_domain(domain, fields_names, ...)`` (sao's export dialog),
which Tryton answers record by record: for each record and each column it
checks the model access, the field access and evaluates the record rules
in Python, then reads the value through the record (about 1,100 rows a
second on the calls list, 30 minutes for a national year).

``BatchExportMixin.export_data`` returns the same rows from ``read`` of
batches of ids (dotted names for the columns of related records, e.g.
``party.rec_name``), which checks the same accesses and rules once per
batch. Columns it cannot read so (one-to-many paths, translated
descriptors, fields that can be invisible, paths deeper than one relation)
are left to Tryton's export."""
from trytond.tools import grouped_slice

BATCH = 1000


class BatchExportMixin:
    __slots__ = ()

    @classmethod
    def _batch_export_columns(cls, paths):
        """For each path: (name to read, key in the read row, sub key or
        None); None when a path needs Tryton's export"""
        columns = []
        for path in paths:
            if not path or len(path) > 2 or any(
                    '.' in n or ':lang=' in n for n in path):
                return None
            field = cls._fields.get(path[0])
            if field is None or 'invisible' in (field.states or {}):
                return None
            if field._type in {'one2many', 'many2many', 'reference',
                    'dict', 'binary'}:
                return None
            if field._type == 'many2one':
                target = field.get_target()
                name = path[1] if len(path) == 2 else 'rec_name'
                sub = target._fields.get(name)
                if sub is None or 'invisible' in (sub.states or {}) or (
                        sub._type in {'one2many', 'many2many', 'many2one',
                            'reference', 'dict', 'binary'}):
                    return None
                columns.append(('%s.%s' % (path[0], name), path[0] + '.',
                        name))
            elif len(path) == 1:
                columns.append((path[0], path[0], None))
            else:
                return None
        return columns

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        paths = [x.split('/') for x in fields_names]
        columns = cls._batch_export_columns(paths)
        if columns is None:
            return super().export_data(records, fields_names, header=header)
        data = []
        if header:
            data.append(cls._convert_field_names(paths))
        names = sorted({c[0] for c in columns})
        for sub in grouped_slice([r.id for r in records], BATCH):
            sub = list(sub)
            rows = {r['id']: r for r in cls.read(sub, names)}
            for id_ in sub:
                row = rows[id_]
                line = []
                for _, key, sub_key in columns:
                    value = row.get(key)
                    if sub_key is not None:
                        value = value.get(sub_key) if value else None
                    line.append('' if value is None else value)
                data.append(line)
        return data


def is_batch_exportable(Model, fields_names):
    "Whether the columns are exported by batches (for the tests)"
    return (issubclass(Model, BatchExportMixin)
        and Model._batch_export_columns(
            [x.split('/') for x in fields_names]) is not None)

