from .customers import UtilityCustomer
from .invoices import Contract, Invoice
from .meters import Medium, Meter, Register, Unit
from .readings import MeterReading, ReadingReport, ReadingSource

__all__ = [
    "Contract",
    "Invoice",
    "Medium",
    "Meter",
    "MeterReading",
    "ReadingReport",
    "ReadingSource",
    "Register",
    "Unit",
    "UtilityCustomer",
]
