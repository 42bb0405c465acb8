# This file is part of the pharma suite. See README.md for license terms.
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access


class UserGroup(metaclass=PoolMeta):
    """Memberships that follow another: a res.group has a single parent,
    and account_credit_limit tests the direct membership of its group
    (Party.check_credit_limit reads user.groups), so Pharma Finance cannot
    imply Account Credit Limit through the group tree"""
    __name__ = 'res.user-res.group'

    @classmethod
    def _implied_groups(cls):
        "[(xml id of a group, [xml ids of the groups it gives])]"
        return [
            (('pharma_hospital', 'group_pharma_finance'),
                [('account_credit_limit', 'group_credit_limit')]),
            ]

    @classmethod
    def _implications(cls):
        "[(group id, [group ids])] of the groups that exist"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        result = []
        for source, targets in cls._implied_groups():
            try:
                source_id = ModelData.get_id(*source)
                target_ids = [ModelData.get_id(*t) for t in targets]
            except KeyError:
                # not loaded yet (module installation)
                continue
            result.append((source_id, target_ids))
        return result

    @classmethod
    def _members(cls, group_id, user_ids):
        "The users of user_ids in group_id, directly or by a child group"
        cursor = Transaction().connection.cursor()
        table = cls.user_group_all_table()
        users = set()
        for sub in grouped_slice(user_ids, 500):
            sub = list(sub)
            cursor.execute(*table.select(table.user,
                    where=(table.group == group_id) & table.user.in_(sub)))
            users.update(u for u, in cursor)
        return users

    @classmethod
    def _direct(cls, group_ids, user_ids):
        "{(user, group)} of the direct memberships"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = set()
        for sub in grouped_slice(user_ids, 500):
            sub = list(sub)
            cursor.execute(*table.select(table.user, table.group,
                    where=table.group.in_(list(group_ids))
                    & table.user.in_(sub)))
            result.update(cursor)
        return result

    @classmethod
    def imply_groups(cls, user_ids):
        "Add the groups implied by the groups of the users"
        implications = cls._implications()
        user_ids = list(set(user_ids))
        if not implications or not user_ids:
            return
        to_create = set()
        for source, targets in implications:
            members = cls._members(source, user_ids)
            if not members:
                continue
            direct = cls._direct(targets, members)
            to_create |= {(u, t) for u in members for t in targets
                if (u, t) not in direct}
        if to_create:
            cls.create([{'user': u, 'group': g}
                    for u, g in sorted(to_create)])

    @classmethod
    def unimply_groups(cls, user_ids, sources):
        """Remove the groups implied by sources from the users no longer
        in a source"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        user_ids = list(set(user_ids))
        to_delete = set()
        for source, targets in cls._implications():
            if source not in sources:
                continue
            left = set(user_ids) - cls._members(source, user_ids)
            if left:
                to_delete |= cls._direct(targets, left)
        if to_delete:
            records = [r for r in cls.search([
                        ('user', 'in', list({u for u, _ in to_delete})),
                        ('group', 'in', list({g for _, g in to_delete})),
                        ]) if (r.user.id, r.group.id) in to_delete]
            # the memberships of the modules' XML (admin) stay
            xml_ids = {d.db_id for d in ModelData.search([
                        ('model', '=', cls.__name__),
                        ('db_id', 'in', [r.id for r in records]),
                        ])}
            cls.delete([r for r in records if r.id not in xml_ids])

    @classmethod
    def _sources_of(cls, group_ids):
        "The implying groups that group_ids are or descend from"
        pool = Pool()
        Group = pool.get('res.group')
        sources = {s for s, _ in cls._implications()}
        if not sources or not group_ids:
            return set()
        groups = Group.search([
                ('id', 'in', list(group_ids)),
                ('parent', 'child_of', list(sources), 'parent'),
                ])
        found = set()
        for group in groups:
            while group:
                if group.id in sources:
                    found.add(group.id)
                group = group.parent
        return found

    @classmethod
    def create(cls, vlist):
        records = super().create(vlist)
        # bypass: the distributor groups follow the user's groups, kept by the
        # code
        with without_check_access():
            if cls._sources_of({r.group.id for r in records}):
                cls.imply_groups([r.user.id for r in records])
        return records

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        before = [(r.user.id, r.group.id)
            for records, _ in zip(actions, actions) for r in records]
        super().write(*args)
        actions = iter(args)
        after = [(r.user.id, r.group.id)
            for records, _ in zip(actions, actions) for r in records]
        users = {u for u, _ in before + after}
        # bypass: the distributor groups follow the user's groups, kept by the
        # code
        with without_check_access():
            sources = cls._sources_of({g for _, g in before})
            if sources:
                cls.unimply_groups(users, sources)
            if cls._sources_of({g for _, g in after}):
                cls.imply_groups(users)

    @classmethod
    def delete(cls, records):
        pairs = [(r.user.id, r.group.id) for r in records]
        super().delete(records)
        # bypass: the distributor groups follow the user's groups, kept by the
        # code
        with without_check_access():
            sources = cls._sources_of({g for _, g in pairs})
            if sources:
                cls.unimply_groups([u for u, _ in pairs], sources)
