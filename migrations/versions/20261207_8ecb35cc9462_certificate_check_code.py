"""certificate check code

Each certificate gets a check code (校验码): six characters printed beside its number and carried by its QR code,
which the public check page asks for, so that sequential numbers cannot be walked. Certificates already given get a
random code here; their paper, printed before, has none: the office reads it on the review's 打印文件 page, or
reprints (a reprint keeps the number and prints the code).

Revision ID: 8ecb35cc9462
Revises: 326bd5603b62
Create Date: 2026-12-07 14:22:49.172101

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8ecb35cc9462'
down_revision = '326bd5603b62'
branch_labels = None
depends_on = None

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # as app.documents.certificates.CHECK_ALPHABET


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_code', sa.String(length=8), nullable=False, server_default=''))
    certificate = sa.table('certificate', sa.column('id', sa.Integer), sa.column('check_code', sa.String))
    connection = op.get_bind()
    for (cert_id,) in connection.execute(sa.select(certificate.c.id)).all():
        code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        connection.execute(certificate.update().where(certificate.c.id == cert_id).values(check_code=code))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('check_code', server_default=None)


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('check_code')
