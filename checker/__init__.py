"""maintcheck: is the Azure infrastructure a Pulumi program declares ready for planned maintenance?"""

__version__ = "0.1.0"
