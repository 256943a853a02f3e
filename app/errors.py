"""Error pages in the user's language; the 500 handler rolls the transaction back. A database error that reaches a
view is the last resort here: said in Chinese, never the driver's English."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from app.extensions import db

MESSAGES = {
    400: (_l("请求有误"), _l("提交的内容无法处理，请返回重试。")),
    403: (_l("无权访问"), _l("您的账号没有访问此页面的权限。")),
    404: (_l("页面不存在"), _l("您要找的页面不存在，或不在您的数据范围内。")),
    405: (_l("请求方式不允许"), _l("此页面不接受这种请求方式。")),
    409: (_l("操作冲突"), _l("有人同时做了同样的操作，您这次提交的内容没有保存。请刷新页面查看结果，需要时再试一次。")),
    413: (_l("文件过大"), _l("上传的文件超过了允许的大小。")),
    429: (_l("操作过于频繁"), _l("您在短时间内提交的次数过多，请等待一分钟后再试。")),
    500: (_l("系统出错"), _l("系统处理时出错，您的操作没有保存。请稍后再试，或联系系统管理员。")),
    503: (_l("系统繁忙"), _l("数据库正忙或暂时无法访问，您的操作没有保存。请稍后再试。")),
}


def init_app(app: Flask) -> None:
    def render(code: int) -> tuple[str, int]:
        title, text = MESSAGES.get(code, MESSAGES[500])
        return render_template("errors/error.html", code=code, title=title, text=text), code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render(error.code or 500)

    @app.errorhandler(sa.exc.IntegrityError)
    def clash(error: sa.exc.IntegrityError) -> tuple[str, int]:
        """A unique or foreign key refusal no view caught: most likely the same thing done twice at once."""
        db.session.rollback()
        current_app.logger.warning("integrity error reached a view", exc_info=error)
        return render(409)

    @app.errorhandler(sa.exc.OperationalError)
    def busy(error: sa.exc.OperationalError) -> tuple[str, int]:
        """SQLite locked by another writer past its wait, or PostgreSQL out of reach."""
        db.session.rollback()
        current_app.logger.warning("operational error reached a view", exc_info=error)
        return render(503)

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render(500)
