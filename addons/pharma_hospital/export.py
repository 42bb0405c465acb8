# This file is part of the pharma suite. See README.md for license terms.
"""Exporting the rows of a big list by batches of reads.

The web client exports with ``export_data(ids, fields_names)`` or
``export_data_domain(domain, fields_names, ...)`` (sao's export dialog),
which Tryton answers record by record: for each record and each column it
checks the model access, the field access and evaluates the record rules
in Python, then reads the value through the record (about 1,100 rows a
second on the calls list, 30 minutes for a national year).

``BatchExportMixin.export_data`` returns the same rows from ``read`` of
batches of ids, and reads the columns of related records (the call's
doctor, hospital...) once per related record for the whole export (a
doctor's calls share its name): the same accesses and rules are checked,
once per batch. Columns it cannot read so (one-to-many paths, translated
descriptors, fields that can be invisible, paths deeper than one relation)
are left to Tryton's export."""
from trytond.tools import grouped_slice

BATCH = 1000


class BatchExportMixin:
    __slots__ = ()

    @classmethod
    def _batch_export_columns(cls, paths):
        """For each path: (field name, target field name or None); None
        when a path needs Tryton's export"""
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
                columns.append((path[0], name))
            elif len(path) == 1:
                columns.append((path[0], None))
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
        # the related records' values, read once per record over the
        # whole export (a doctor's calls share its name), by batches
        related = {}
        for name, sub_name in columns:
            if sub_name is not None:
                related.setdefault(name, set()).add(sub_name)
        rows = []
        for sub in grouped_slice([r.id for r in records], BATCH):
            sub = list(sub)
            values = {r['id']: r for r in cls.read(sub, names)}
            rows.extend(values[i] for i in sub)
        targets = {}
        for name, sub_names in related.items():
            Target = cls._fields[name].get_target()
            ids = sorted({r[name] for r in rows if r[name] is not None})
            found = targets[name] = {}
            for sub in grouped_slice(ids, BATCH):
                for value in Target.read(list(sub), sorted(sub_names)):
                    found[value['id']] = value
        for row in rows:
            line = []
            for name, sub_name in columns:
                value = row[name]
                if sub_name is not None:
                    value = (targets[name][value][sub_name]
                        if value is not None else None)
                line.append('' if value is None else value)
            data.append(line)
        return data


def is_batch_exportable(Model, fields_names):
    "Whether the columns are exported by batches (for the tests)"
    return (issubclass(Model, BatchExportMixin)
        and Model._batch_export_columns(
            [x.split('/') for x in fields_names]) is not None)

