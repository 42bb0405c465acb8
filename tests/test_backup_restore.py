# This file is part of the pharma suite. See README.md for license terms.
"""deploy/backup.py: a backup of a database and its file store restores
into a new database where every record and every attached file is found.
PostgreSQL only (pg_dump/pg_restore); skipped on SQLite."""
import os
import shutil
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'deploy'))
POSTGRESQL = os.environ.get('TRYTOND_DATABASE__URI', os.environ.get(
        'TRYTOND_DATABASE_URI', '')).startswith('postgresql')


@unittest.skipUnless(POSTGRESQL, "PostgreSQL only (pg_dump)")
class BackupRestoreTestCase(unittest.TestCase):
    "Back up a database with its file store and restore it"

    @classmethod
    def setUpClass(cls):
        from trytond import config
        from trytond.tests.test_tryton import (
            DB_NAME, activate_module, db_exist, drop_db)
        if db_exist(DB_NAME):
            # left over by an interrupted run: its data would collide
            drop_db()
        activate_module(['pharma_hospital'])
        cls.database = DB_NAME
        cls.restored = DB_NAME + '_restored'
        cls.tmp = tempfile.mkdtemp(prefix='pharma-backup-')
        cls.old_path = config.get('database', 'path')
        config.set('database', 'path', os.path.join(cls.tmp, 'filestore'))

    @classmethod
    def tearDownClass(cls):
        from trytond import backend, config
        from trytond.pool import Pool
        from trytond.tests.test_tryton import drop_db
        Pool.stop(cls.restored)
        backend.Database(cls.restored).close()
        database = backend.Database()
        database.connect()
        connection = database.get_connection(autocommit=True)
        try:
            if cls.restored in database.list():
                database.drop(connection, cls.restored)
        finally:
            database.put_connection(connection)
        drop_db()
        config.set('database', 'path', cls.old_path)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_backup_restore(self):
        "Every record and file of the backup is in the restored database"
        import backup as backup_tool

        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool(self.database)
        photo = os.urandom(4096)
        with Transaction().start(self.database, 0) as transaction:
            Party = pool.get('party.party')
            Attachment = pool.get('ir.attachment')
            Territory = pool.get('pharma.territory')
            territory = Territory(name="南京", level='city', code='BK-NJ')
            territory.save()
            hospital = Party(name="南京鼓楼医院", pharma_type='hospital',
                territory=territory)
            hospital.save()
            doctors = Party.create([{'name': "医生%d" % i,
                        'pharma_type': 'doctor', 'hospital': hospital.id}
                    for i in range(50)])
            Attachment.create([{'name': 'badge.jpg', 'type': 'data',
                        'data': photo,
                        'resource': str(hospital)}])
            transaction.commit()
            party_ids = sorted(p.id for p in Party.search([]))
        self.assertEqual(len(doctors), 50)

        target = backup_tool.backup(self.database, self.tmp)
        problems = backup_tool.restore(target, self.restored)
        self.assertEqual(problems, [])

        # through the ORM of the restored database: the records and the
        # attached file's bytes
        restored_pool = Pool(self.restored)
        restored_pool.init()
        with Transaction().start(self.restored, 0, readonly=True):
            Party = restored_pool.get('party.party')
            Attachment = restored_pool.get('ir.attachment')
            self.assertEqual(
                sorted(p.id for p in Party.search([])), party_ids)
            attachment, = Attachment.search([('name', '=', 'badge.jpg')])
            self.assertEqual(attachment.data, photo)
            self.assertEqual(attachment.resource.name, "南京鼓楼医院")

        # the check finds a lost record and a lost file
        with Transaction().start(self.restored, 0) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute('DELETE FROM ir_attachment')
            transaction.commit()
        store = os.path.join(self.tmp, 'filestore', self.restored)
        shutil.rmtree(store)
        os.makedirs(store)
        problems = backup_tool.verify(target, self.restored)
        self.assertTrue(any(p.startswith('table ir_attachment')
                for p in problems), problems)
        self.assertTrue(any(p.startswith('file ') for p in problems),
            problems)


if __name__ == '__main__':
    unittest.main()
