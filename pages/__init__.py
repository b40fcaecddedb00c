"""The dashboard's pages, run by the router (``dashboard.py``): each module's ``render`` draws one page of a view."""
