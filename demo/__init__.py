"""The demo county: `manage.py seed_demo` builds it through every app's services.

It depends on all the apps and none depends on it, so it lives apart from them.
"""
