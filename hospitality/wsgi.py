import os

from django.core.wsgi import get_wsgi_application

from hospitality.unread_body import drain_unread_body

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hospitality.settings")
# what gunicorn serves (Lambda's handler wraps its own): see hospitality/unread_body.py
application = drain_unread_body(get_wsgi_application())
