# This file is part of the pharma suite. See README.md for license terms.
"Helpers for the suite's scenarios"
from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests import tools


def activate_modules(modules, *setup):
    """Like trytond.tests.tools.activate_modules, but the database of the
    modules alone is the one cached (shared with the unit tests of the same
    modules) and the setup functions (create_company, create_chart) run on
    each restored copy: each set of modules is installed once per run
    instead of once per set of setup functions"""
    config = tools.activate_modules(modules)
    for func in setup:
        func(config=config)
    return config


def create_user(login, company, employee, groups, name=None):
    """The user login (named name, else login) of the company, of
    employee, in groups (the names of pharma_hospital groups,
    'group_pharma_rep', or 'module.xml_id')"""
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')

    def group_id(name):
        if '.' in name:
            return ModelData.get_id(*name.split('.', 1))
        if not name.startswith('group_'):
            name = 'group_pharma_' + name
        return ModelData.get_id('pharma_hospital', name)
    user, = User.create([{
                'name': name or login,
                'login': login,
                'companies': [('add', [company.id])],
                'company': company.id,
                'employees': [('add', [employee.id])],
                'employee': employee.id,
                'groups': [('add', [group_id(g) for g in groups])],
                }])
    return user


def create_staff(company, people, registration=None):
    """One party, employee and user per person of the company: people is
    a list of (login, groups, supervisor), groups the names of
    pharma_hospital groups ('rep' for group_pharma_rep) or 'module.xml_id',
    supervisor the login of an earlier person or None. With registration,
    each employee is a registered representative numbered registration +
    login. Return {login: (employee, user)} in the order of people"""
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    staff = {}
    for login, groups, supervisor in people:
        party, = Party.create([{'name': login.title()}])
        values = {
            'party': party.id,
            'company': company.id,
            'supervisor': staff[supervisor][0].id if supervisor else None,
            }
        if registration:
            values.update({
                    'rep_registration_number': registration + login,
                    'rep_registration_status': 'registered',
                    })
        employee, = Employee.create([values])
        user = create_user(
            login, company, employee, groups, name=login.title())
        staff[login] = employee, user
    return staff


def create_clerks(logins=('clerk1', 'clerk2')):
    """A company with go-live clerks (one user and employee per login, in
    the clerk group): (company, users)"""
    pool = Pool()
    User = pool.get('res.user')
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    ModelData = pool.get('ir.model.data')
    company = create_company()
    clerk = ModelData.get_id('pharma_hospital', 'group_pharma_clerk')
    users = []
    for login in logins:
        party, = Party.create([{'name': login.title()}])
        employee, = Employee.create([{
                    'party': party.id, 'company': company.id}])
        user, = User.create([{
                    'name': login.title(), 'login': login,
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'employees': [('add', [employee.id])],
                    'employee': employee.id,
                    'groups': [('add', [clerk])],
                    }])
        users.append(user)
    return company, users


def run_queue():
    """Run the tasks of Tryton's queue (ir.queue) not yet run, in the
    current (test) transaction, as trytond-worker would: each as the user
    who queued it, with the context it was queued with (and no more).
    Tasks queued by the tasks run too. Return the number of tasks run.

    Without a worker, the server runs the tasks of a request after its
    commit; a unit test's transaction never commits, so its tasks wait in
    ir.queue until this is called."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Queue = pool.get('ir.queue')
    transaction = Transaction()
    count = 0
    while True:
        with transaction.set_context(_check_access=False):
            tasks = Queue.search([
                    ('dequeued_at', '=', None),
                    ], order=[('id', 'ASC')])
        if not tasks:
            break
        for task in tasks:
            if task.id in transaction.tasks:
                transaction.tasks.remove(task.id)
            with transaction.reset_context(), transaction.set_user(0):
                task.run()
            count += 1
    return count


def load_zh_cn(database_name, modules=('pharma_hospital',)):
    """Make zh_CN translatable and load the modules' zh_CN.po into the
    database, committed (as trytond-admin -l zh_CN does): for the command
    line, which runs in transactions of its own"""
    import os

    from trytond.modules import get_module_info
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(database_name)
    with Transaction().start(database_name, 0) as transaction:
        Lang = pool.get('ir.lang')
        Translation = pool.get('ir.translation')
        zh_cn, = Lang.search([('code', '=', 'zh_CN')])
        Lang.write([zh_cn], {'translatable': True})
        for module in modules:
            directory = get_module_info(module)['directory']
            Translation.translation_import('zh_CN', module,
                os.path.join(directory, 'locale', 'zh_CN.po'))
        transaction.commit()
