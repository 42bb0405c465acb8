# This file is part of the pharma suite. See README.md for license terms.
"Checks shared by the pharma modules' tests"
from lxml import etree

from trytond.model import fields
from trytond.pool import Pool


def _datetime(field):
    if isinstance(field, fields.Function):
        field = field._field
    return isinstance(field, (fields.DateTime, fields.Timestamp))


def tree_datetime_without_widget(module):
    """Return [(view, field)] of the module's list views that show a
    DateTime field without widget="date"/"time": Tryton 8.0's web client
    has no list column for DateTime and fails to open the screen"""
    pool = Pool()
    View = pool.get('ir.ui.view')
    problems = []
    for view in View.search([('module', '=', module)]):
        type_ = view.type or (view.inherit.type if view.inherit else None)
        if type_ != 'tree' or not view.model:
            continue
        try:
            Model = pool.get(view.model)
        except KeyError:
            continue
        tree = etree.fromstring(view.arch.encode('utf-8'))
        for element in tree.iter('field'):
            name = element.get('name')
            field = Model._fields.get(name)
            if field and _datetime(field) and not element.get('widget'):
                problems.append((view.name, name))
    return problems


def doctor_multivalues(company):
    """Create a doctor and a plain party in company; return
    (the doctor's stored value rows, [(field, doctor's value, party's
    value)] of every multivalue field of party.party whose values differ,
    the stored rows of a doctor created with a language other than the
    default, whether that doctor reads that language)"""
    from trytond.model import MultiValueMixin
    from trytond.modules.company.tests import set_company
    pool = Pool()
    Party = pool.get('party.party')
    names = [n for n, f in Party._fields.items()
        if isinstance(f, fields.MultiValue)]
    assert issubclass(Party, MultiValueMixin) and names

    def stored(party):
        count = 0
        for Value in {Party.multivalue_model(n) for n in names}:
            count += Value.search([('party', '=', party.id)], count=True)
        return count
    Lang = pool.get('ir.lang')
    default_lang, other_lang = Lang.search([], limit=2)
    Configuration = pool.get('party.configuration')
    configuration = Configuration(1)
    configuration.party_lang = default_lang
    configuration.save()
    with set_company(company):
        hospital, = Party.create([{'name': "测试医院",
                    'pharma_type': 'hospital'}])
        doctor, party = Party.create([
                {'name': "曾医生", 'pharma_type': 'doctor',
                    'hospital': hospital.id},
                {'name': "Plain"}])
        rows = stored(doctor)
        differ = []
        for name in names:
            values = [Party.read([p.id], [name])[0][name]
                for p in [doctor, party]]
            if values[0] != values[1]:
                differ.append((name, *values))
        assert doctor.lang == default_lang
        explicit, = Party.create([{'name': "曾医生二", 'pharma_type': 'doctor',
                    'hospital': hospital.id, 'lang': other_lang.id}])
        explicit_rows = stored(explicit)
        explicit_lang = explicit.lang == other_lang
    return rows, differ, explicit_rows, explicit_lang
