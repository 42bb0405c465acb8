# This file is part of the pharma suite. See README.md for license terms.
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.company.model import reset_employee
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.modules.pharma_hospital.access import readable_name

from .exceptions import ArticleAccessError


class Tag(DeactivableMixin, ModelSQL, ModelView):
    "Keyword of knowledge base articles"
    __name__ = 'pharma.service.tag'
    name = fields.Char("Name", required=True, translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('name_uniq', Unique(t, t.name),
                'pharma_service.msg_tag_name_unique'),
            ]
        cls._order = [('name', 'ASC'), ('id', 'ASC')]


class Article(Workflow, ModelSQL, ModelView):
    "Approved question and answer of the service knowledge base"
    __name__ = 'pharma.service.article'
    _rec_name = 'question'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    question = fields.Char("Question", required=True, states=_states)
    answer = fields.Text("Answer", states=_states)
    product = fields.Many2One(
        'product.product', "Product", states=_states)
    tags = fields.Many2Many(
        'pharma.service.article-pharma.service.tag', 'article', 'tag',
        "Tags", states=_states)
    case = fields.Many2One(
        'pharma.service.case', "Case", readonly=True, ondelete='SET NULL',
        help="The case the article was written from.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('approved', "Approved"),
            ], "State", required=True, readonly=True, sort=False)
    approved_by = fields.Many2One(
        'company.employee', "Approved By", readonly=True,
        states={
            'invisible': Eval('state') != 'approved',
            })
    del _states

    @classmethod
    def __setup__(cls):
        cls.question.search_unaccented = False
        super().__setup__()
        cls._order = [('question', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('draft', 'approved'),
            ('approved', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'approved',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('question', operator, operand, *extra),
            ('answer', operator, operand, *extra),
            ('tags.name', operator, operand, *extra),
            ]

    @classmethod
    def check_modification(cls, mode, articles, values=None, external=False):
        super().check_modification(
            mode, articles, values=values, external=external)
        if external and mode == 'write' and (
                {'state', 'approved_by'} & set(values)):
            raise ArticleAccessError(gettext(
                    'pharma_service.msg_article_approve_button'))
        if external and mode == 'create':
            for article in articles:
                if article.state != 'draft' or article.approved_by:
                    raise ArticleAccessError(gettext(
                            'pharma_service.msg_article_approve_button'))
        if mode == 'delete':
            for article in articles:
                if article.state != 'draft':
                    raise ArticleAccessError(gettext(
                            'pharma_service.msg_article_delete_approved',
                            article=readable_name(article)))

    @classmethod
    def copy(cls, articles, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('approved_by', None)
        default.setdefault('case', None)
        return super().copy(articles, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    @reset_employee('approved_by')
    def draft(cls, articles):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, articles):
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user)
        if user.employee:
            cls.write(articles, {'approved_by': user.employee.id})


class ArticleTag(ModelSQL):
    "Article - Tag"
    __name__ = 'pharma.service.article-pharma.service.tag'
    article = fields.Many2One(
        'pharma.service.article', "Article", required=True,
        ondelete='CASCADE')
    tag = fields.Many2One(
        'pharma.service.tag', "Tag", required=True, ondelete='CASCADE')


class CaseArticle(ModelSQL):
    "Case - Article"
    __name__ = 'pharma.service.case-pharma.service.article'
    case = fields.Many2One(
        'pharma.service.case', "Case", required=True, ondelete='CASCADE')
    article = fields.Many2One(
        'pharma.service.article', "Article", required=True,
        ondelete='RESTRICT')
