"""HTTP: the JSON API and the French portal, translating requests to use cases
and answers back, nothing more."""
