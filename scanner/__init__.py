"""logward: is the audit trail of a cloud estate complete, untouchable, encrypted and watched?"""

__version__ = "0.1.0"
