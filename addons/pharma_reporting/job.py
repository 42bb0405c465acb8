# This file is part of the pharma suite. See README.md for license terms.
import logging
import operator
from functools import reduce

from sql import Table
from sql.operators import Like

from trytond.pool import PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)

# The records of pharma_competitor that pharma_reporting defines since the
# cross-module reports became a module of their own (issue 22): their
# ir.model.data rows change module before pharma_reporting's XML is loaded
# (pharma_reporting is loaded before pharma_competitor, which depends on
# it), else pharma_reporting would create them again and pharma_competitor
# delete the old ones, and what refers to them, as no longer defined
MOVED_TO_REPORTING = set('''
    access_doctor_value access_doctor_value_admin
    access_doctor_value_manager access_doctor_value_marketing
    access_sales_target access_sales_target_admin
    access_sales_target_commercial access_sales_target_manager
    access_scorecard access_scorecard_admin access_scorecard_manager
    act_doctor_value act_doctor_value_view1 act_sales_target_form
    act_sales_target_form_view1 act_scorecard_form act_scorecard_form_view1
    act_scorecard_form_view2 configuration_view_form
    doctor_value_context_view_form doctor_value_view_list menu_doctor_value
    menu_management menu_management_group_admin
    menu_management_group_manager menu_management_group_marketing
    menu_report_pack menu_report_pack_group_admin
    menu_report_pack_group_manager menu_report_pack_group_marketing
    menu_sales_target_form menu_scorecard_compute
    menu_scorecard_compute_group_admin menu_scorecard_compute_group_manager
    menu_scorecard_form report_pack_start_view_form
    rule_group_sales_target_companies rule_group_scorecard_companies
    rule_sales_target_companies rule_scorecard_companies
    sales_target_view_list scorecard_compute_start_view_form
    scorecard_view_graph scorecard_view_list wizard_report_pack
    wizard_report_pack_group_admin wizard_report_pack_group_manager
    wizard_report_pack_group_marketing wizard_scorecard_compute
    wizard_scorecard_compute_group_admin
    wizard_scorecard_compute_group_manager
    '''.split())
MOVED_MODELS_TO_REPORTING = [
    'pharma.sales.target', 'pharma.report.pack', 'pharma.report.pack.start',
    'pharma.scorecard', 'pharma.scorecard.compute.start',
    'pharma.doctor.value.context', 'pharma.doctor.value',
    ]
# the fields pharma_reporting adds to pharma_hospital's models
MOVED_FIELDS_TO_REPORTING = {
    'pharma.configuration': [
        'score_calls', 'score_coverage', 'score_plan', 'score_events',
        'score_quality', 'score_event_target', 'score_sales',
        'score_collections', 'score_development'],
    'pharma.configuration.company': [
        'score_calls', 'score_coverage', 'score_plan', 'score_events',
        'score_quality', 'score_event_target', 'score_sales',
        'score_collections', 'score_development'],
    }


def move_records_to_reporting():
    """Give pharma_reporting the ir.model.data rows, views, models, fields
    and translations it took over from pharma_competitor (a database of
    before the split); nothing to do on a new database or once done"""
    cursor = Transaction().connection.cursor()
    data = Table('ir_model_data')
    other = Table('ir_model_data')
    moved = set(MOVED_TO_REPORTING)
    # the messages: every message of pharma_competitor but those it kept
    kept = {
        'msg_competitor_party_unique', 'msg_import_kind_market_data',
        'msg_job_market_share', 'msg_market_bad_units',
        'msg_market_share_computed', 'msg_market_unknown_hospital',
        'msg_market_unknown_maker'}
    cursor.execute(*data.select(data.fs_id,
            where=(data.module == 'pharma_competitor')
            & (data.model == 'ir.message')))
    moved |= {fs_id for fs_id, in cursor if fs_id not in kept}
    cursor.execute(*data.select(data.id, data.fs_id, data.model, data.db_id,
            where=(data.module == 'pharma_competitor')
            & data.fs_id.in_(sorted(moved))
            & ~data.fs_id.in_(other.select(other.fs_id,
                    where=other.module == 'pharma_reporting'))))
    rows = cursor.fetchall()
    if not rows:
        return
    logger.info("pharma_competitor: %s records move to pharma_reporting",
        len(rows))
    for sub in grouped_slice([r[0] for r in rows]):
        cursor.execute(*data.update([data.module], ['pharma_reporting'],
                where=data.id.in_(list(sub))))
    views = [db_id for _, _, model, db_id in rows if model == 'ir.ui.view']
    view = Table('ir_ui_view')
    for sub in grouped_slice(views):
        cursor.execute(*view.update([view.module], ['pharma_reporting'],
                where=view.id.in_(list(sub))
                & (view.module == 'pharma_competitor')))
    model = Table('ir_model')
    cursor.execute(*model.update([model.module], ['pharma_reporting'],
            where=model.name.in_(MOVED_MODELS_TO_REPORTING)
            & (model.module == 'pharma_competitor')))
    field = Table('ir_model_field')
    where = field.model.in_(MOVED_MODELS_TO_REPORTING)
    for model_name, names in MOVED_FIELDS_TO_REPORTING.items():
        where |= (field.model == model_name) & field.name.in_(names)
    cursor.execute(*field.update([field.module], ['pharma_reporting'],
            where=where & (field.module == 'pharma_competitor')))
    translation = Table('ir_translation')
    names = []
    for model_name in MOVED_MODELS_TO_REPORTING:
        names.append(translation.name == model_name)
        names.append(Like(translation.name, model_name + ',%'))
    names.append(Like(translation.name, 'pharma.report.pack.wizard,%'))
    names.append(Like(translation.name, 'pharma.scorecard.compute,%'))
    for model_name, fields in MOVED_FIELDS_TO_REPORTING.items():
        names.append(translation.name.in_(
                ['%s,%s' % (model_name, f) for f in fields]))
    by_model = {}
    for _, _, model_name, db_id in rows:
        by_model.setdefault(model_name, []).append(db_id)
    for model_name, ids in by_model.items():
        names.append(Like(translation.name, model_name + ',%')
            & (translation.type == 'model')
            & translation.res_id.in_(ids))
    names = reduce(operator.or_, names)
    cursor.execute(*translation.update(
            [translation.module], ['pharma_reporting'],
            where=(translation.module == 'pharma_competitor') & names))
    # the job kinds' labels
    cursor.execute(*translation.update(
            [translation.module], ['pharma_reporting'],
            where=(translation.module == 'pharma_competitor')
            & (translation.name == 'pharma.job,kind')
            & translation.src.in_(['Management Report Pack', 'Scorecards'])))


class Job(metaclass=PoolMeta):
    __name__ = 'pharma.job'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.extend([
                ('report_pack', "Management Report Pack"),
                ('scorecard', "Scorecards"),
                ])

    @classmethod
    def __register__(cls, module):
        # before pharma_reporting's XML is loaded (load_module_graph)
        if module == 'pharma_reporting':
            move_records_to_reporting()
        super().__register__(module)

    def _run_report_pack(self):
        return self._run_wizard()

    def _run_scorecard(self):
        return self._run_wizard()
