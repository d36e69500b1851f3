#!/usr/bin/python3
"""Writes the channel fixtures that are made by hand (every file here except
fba/manage-fba-inventory-21.txt, a copy of a real Amazon report, see SOURCE.md).

Each file shows one quirk of its format (docs/channels-formats.md); the tests under
tests/hub/channels/ say what each must read as. Run it from anywhere; review the diff.
"""
import gzip
import pathlib

here = pathlib.Path(__file__).resolve().parent


def write(relative, text, encoding="utf-8", newline="\n", final_newline=True):
    data = newline.join(text.split("\n"))
    if final_newline:
        data += newline
    raw = data.encode(encoding)
    (here / relative).write_bytes(raw)
    return raw


TAB = "\t"
MANAGE_18 = ["sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists",
             "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity",
             "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity",
             "afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity",
             "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity"]


def manage_row(sku, name, warehouse, fulfillable, unsellable, reserved, working=0, shipped=0, receiving=0):
    total = warehouse + working + shipped + receiving
    return [sku, "X00" + sku[-6:].upper().rjust(7, "0"), "B0" + sku[-8:].upper().rjust(8, "0"), name, "New",
            "19.99", "No", "", "Yes", str(warehouse), str(fulfillable), str(unsellable), str(reserved),
            str(total), "0.25", str(working), str(shipped), str(receiving)]


# The older 18-column layout, header in upper case, LF, no final newline; numeric-looking SKUs.
rows = [[h.upper() for h in MANAGE_18],
        manage_row("000123456789", "Mug, blue", 12, 10, 1, 1, working=5),
        manage_row("630162817873630162817873", "Mug, red", 4, 4, 0, 0, shipped=3, receiving=2),
        manage_row("MUG-GREEN", "Mug, green", 0, 0, 0, 0)]
write("fba/manage-fba-inventory-18.txt", "\n".join(TAB.join(r) for r in rows), final_newline=False)

# windows-1252 product names (™ is 0x99, é is 0xE9, „“ are 0x84 0x93), CRLF; also gzipped.
rows = [MANAGE_18,
        manage_row("CAFE-01", "Café™ „Crema“ beans", 7, 6, 0, 1),
        manage_row("CAFE-02", "Tee – grün", 3, 3, 0, 0)]
raw = write("fba/manage-fba-inventory-1252.txt", "\n".join(TAB.join(r) for r in rows), encoding="cp1252",
            newline="\r\n")
(here / "fba/manage-fba-inventory-1252.txt.gz").write_bytes(gzip.compress(raw, mtime=0))

# Amazon's identity broken on line 3: warehouse 9, fulfillable + unsellable + reserved = 8.
rows = [MANAGE_18,
        manage_row("ID-OK", "Holds", 5, 3, 1, 1),
        manage_row("ID-BROKEN", "Does not hold", 9, 6, 1, 1)]
write("fba/manage-fba-inventory-identity.txt", "\n".join(TAB.join(r) for r in rows))

# A quantity that is not a number (line 2) and a negative one (line 3).
bad = manage_row("BAD-1", "Bad", 1, 1, 0, 0)
bad[MANAGE_18.index("afn-warehouse-quantity")] = "1O"
negative = manage_row("BAD-2", "Negative", 1, 1, 0, 0)
negative[MANAGE_18.index("afn-reserved-quantity")] = "-1"
write("fba/manage-fba-inventory-bad.txt", "\n".join(TAB.join(r) for r in [MANAGE_18, bad, negative]))

# AFN inventory: one row per SKU and warehouse condition; mixed-case header with a space.
afn = ["seller-sku\tfulfillment-channel-sku\tasin\tcondition-type\tWarehouse-Condition-code\tQuantity Available",
       "0042-SKU\tX000000042\tB000000042\tNewItem\tSELLABLE\t8",
       "0042-SKU\tX000000042\tB000000042\tNewItem\tUNSELLABLE\t2",
       "TOTE-1\tX000000077\tB000000077\tNewItem\tSELLABLE\t0"]
write("fba/afn-inventory.txt", "\n".join(afn), newline="\r\n")

# Inventory Ledger, detailed view: every field in quotes, TAB-separated, two identical rows.
ledger = ['"Date"\t"FNSKU"\t"ASIN"\t"MSKU"\t"Title"\t"Event Type"\t"Reference ID"\t"Quantity"\t'
          '"Fulfillment Center"\t"Disposition"\t"Reason"\t"Country"\t"Reconciled Quantity"\t'
          '"Unreconciled Quantity"\t"Date and Time"']


def ledger_row(date, event, reference, quantity, reason, when):
    fields = [date, "X000000042", "B000000042", "0042-SKU", "Mug \"Deluxe\"", event, reference, quantity, "FFE8",
              "SELLABLE", reason, "US", "", "", when]
    return TAB.join('"' + f + '"' for f in fields)


ledger += [ledger_row("11/02/2026", "Receipts", "FBA15ABCD", "10", "", "2026-11-02T08:00:00-0700"),
           ledger_row("11/03/2026", "Shipments", "113-0000001", "-3", "", "2026-11-03T09:30:00-0700"),
           ledger_row("11/04/2026", "CustomerReturns", "113-0000001", "1", "", "2026-11-04T10:00:00-0700"),
           ledger_row("11/05/2026", "Adjustments", "7001", "-1", "E", "2026-11-05T11:00:00-0700"),
           ledger_row("11/05/2026", "Adjustments", "7001", "-1", "E", "2026-11-05T11:00:00-0700"),
           ledger_row("11/06/2026", "Adjustments", "7002", "1", "F", "2026-11-06T12:00:00-0700"),
           ledger_row("11/07/2026", "VendorReturns", "RMV-1", "-2", "", "")]
write("fba/inventory-ledger.txt", "\n".join(ledger))

# FBA Inventory Adjustments: one row per adjustment with Amazon's transaction id.
adjustments = ["adjusted-date\ttransaction-item-id\tfnsku\tsku\tproduct-name\tfulfillment-center-id\tquantity\treason\t"
               "disposition",
               "2026-11-05T11:00:00+00:00\t101\tX000000042\t0042-SKU\tMug\tFFE8\t-2\tM\tSELLABLE",
               "2026-11-06T11:00:00+00:00\t102\tX000000042\t0042-SKU\tMug\tFFE8\t2\tF\tSELLABLE",
               "2026-11-07T11:00:00+00:00\t103\tX000000042\t0042-SKU\tMug\tFFE8\t-1\tE\tDEFECTIVE"]
write("fba/inventory-adjustments.txt", "\n".join(adjustments))

# Not an FBA report at all (a Shopify export given to the FBA reader).
write("fba/not-fba.txt", "Handle,Title,SKU,Shop location\nmug,Mug,M-1,3")

SHOPIFY_ITEM = ["Handle", "Title", "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value",
                "Option3 Name", "Option3 Value", "SKU", "HS Code", "COO"]


class Quoted(str):
    """A field written in quotes even when it needs none (Shopify writes an empty SKU as "")."""


EMPTY_QUOTED = Quoted("")


def csv_line(fields):
    """RFC 4180, as Shopify writes it: quotes where a field holds a comma, quote or line break."""
    def one(f):
        if isinstance(f, Quoted) or any(c in f for c in ',"\n'):
            return '"' + f.replace('"', '""') + '"'
        return f
    return ",".join(one(f) for f in fields)


# "Only Available quantities": one column per location. Quirks: a quoted SKU holding a line break,
# a title with a comma and doubled quotes, `not stocked`, a negative, an empty SKU (written ""),
# the same SKU on two variants, a non-ASCII handle, a product without variants.
wide = [SHOPIFY_ITEM + ["Shop location", "My Custom Location", "Snow City Warehouse"],
        ["mug", "Mug, \"Classic\"", "Color", "Blue", "", "", "", "", "MUG-BLUE", "", "", "5", "not stocked", "12"],
        ["mug", "Mug, \"Classic\"", "Color", "Red", "", "", "", "", "AD-04\n-OS-red", "", "", "-2", "0", "not stocked"],
        ["new-era®-cap", "New Era® Cap", "Size", "M", "", "", "", "", EMPTY_QUOTED, "", "", "3", "1", "0"],
        ["new-era®-cap", "New Era® Cap", "Size", "L", "", "", "", "", "CAP-L", "650500", "CN", "1", "1", "1"],
        ["cap-bundle", "Cap bundle", "Title", "Default Title", "", "", "", "", "CAP-L", "", "", "2", "not stocked",
         "4"]]
write("shopify/inventory-available-wide.csv", "\n".join(csv_line(r) for r in wide))

# "All quantity types", 2023 layout: long, one row per variant and location; all SKUs empty, as in
# a real export of this layout; a negative On hand; `not stocked` in all five cells.
long_2023 = [SHOPIFY_ITEM + ["Location", "Incoming", "Unavailable", "Committed", "Available", "On hand"],
             ["königstiger", "Tiger II Ausf. B \"Königstiger\" 14 cm", "Scale", "1:16", "", "", "",
              "", EMPTY_QUOTED, "", "", "Shop location", "2", "1", "1", "3", "5"],
             ["königstiger", "Tiger II Ausf. B \"Königstiger\" 14 cm", "Scale", "1:16", "", "", "", "", EMPTY_QUOTED, "",
              "", "Warehouse", "0", "0", "2", "-3", "-1"],
             ["tumbler", "NSLS Tumbler, 24 oz - Summit", "Title", "Default Title", "", "", "", "", EMPTY_QUOTED, "", "",
              "Shop location", "not stocked", "not stocked", "not stocked", "not stocked", "not stocked"]]
write("shopify/inventory-all-2023.csv", "\n".join(csv_line(r) for r in long_2023))

# "All quantity types", 2024+ layout: Bin name and On hand (new) empty; duplicate SKU at one
# location on two variants (summed, with a note); an identity that does not hold is not Shopify's
# to break (Unavailable + Committed + Available = On hand) and is noted.
long_2024 = [SHOPIFY_ITEM + ["Location", "Bin name", "Incoming (not editable)", "Unavailable (not editable)",
                             "Committed (not editable)", "Available (not editable)", "On hand (current)",
                             "On hand (new)"],
             ["jogger", "NSLS Vintage Seal Jogger", "NSLS Vintage Seal Jogger Sweatpants (Size)", "S", "", "", "", "",
              "JOG-S", "420222", "AU", "Shop location", "", "4", "0", "1", "6", "7", ""],
             ["jogger", "NSLS Vintage Seal Jogger", "NSLS Vintage Seal Jogger Sweatpants (Size)", "M", "", "", "", "",
              "JOG-S", "420222", "AU", "Shop location", "", "0", "0", "0", "2", "2", ""],
             ["jogger", "NSLS Vintage Seal Jogger", "NSLS Vintage Seal Jogger Sweatpants (Size)", "L", "", "", "", "",
              "JOG-L", "420222", "AU", "Shop location", "", "0", "0", "1", "3", "5", ""]]
write("shopify/inventory-all-2024.csv", "\n".join(csv_line(r) for r in long_2024))

# Variants without SKU, as most real exports of this layout have them, identified by Handle and
# option values: a non-ASCII handle, an option value holding a slash, a second option, and a
# product without variants (Default Title); all SKUs written "".
LONG_2024 = SHOPIFY_ITEM + ["Location", "Bin name", "Incoming (not editable)", "Unavailable (not editable)",
                            "Committed (not editable)", "Available (not editable)", "On hand (current)",
                            "On hand (new)"]
variants = [LONG_2024,
            ["königstiger", "Tiger II Ausf. B \"Königstiger\" 14 cm", "Scale", "1:16", "", "", "", "", EMPTY_QUOTED,
             "", "", "Shop location", "", "0", "0", "1", "2", "3", ""],
            ["tee", "Tee, organic", "Size", "S/M", "Color", "Black", "", "", EMPTY_QUOTED, "", "", "Shop location",
             "", "0", "1", "0", "3", "4", ""],
            ["tumbler", "NSLS Tumbler, 24 oz - Summit", "Title", "Default Title", "", "", "", "", EMPTY_QUOTED, "",
             "", "Shop location", "", "0", "0", "0", "6", "6", ""]]
write("shopify/inventory-variants.csv", "\n".join(csv_line(r) for r in variants))

# A quantity that is not a number, and a row without any identity (no SKU, no Handle).
bad = [SHOPIFY_ITEM + ["Shop location"],
       ["mug", "Mug", "Title", "Default Title", "", "", "", "", "MUG-1", "", "", "five"],
       ["", "", "", "", "", "", "", "", "", "", "", "1"]]
write("shopify/inventory-bad.csv", "\n".join(csv_line(r) for r in bad))

POS = "time,register,receipt,line,sku,barcode,quantity,kind,reason"
pos = [POS,
       "2026-11-02T10:15:00+01:00,R1,1001,1,MUG-BLUE,,2,sale,",
       "2026-11-02T10:15:00+01:00,R1,1001,2,,4006381333931,1,sale,",
       "2026-11-02T11:00:00+01:00,R1,1002,1,MUG-BLUE,,1,return,",
       "2026-11-02T12:30:00Z,R2,77,1,CAP-L,,1,damage,",
       "2026-11-02T12:31:00Z,R2,77,2,CAP-L,,3,damage,expired",
       "2026-11-02T10:15:00+01:00,R1,1001,1,MUG-BLUE,,2,sale,"]
write("pos/journal.csv", "\n".join(pos), newline="\r\n")

conflict = [POS,
            "2026-11-02T10:15:00+01:00,R1,1001,1,MUG-BLUE,,2,sale,",
            "2026-11-02T10:15:00+01:00,R1,1001,1,MUG-BLUE,,3,sale,"]
write("pos/journal-conflict.csv", "\n".join(conflict))

bad_pos = [POS,
           "2026-11-02 10:15,R1,1,1,MUG-BLUE,,1,sale,",
           "2026-11-02T10:15:00Z,R1,2,1,,,1,sale,",
           "2026-11-02T10:15:00Z,R1,3,1,MUG-BLUE,,0,sale,",
           "2026-11-02T10:15:00Z,R1,4,1,MUG-BLUE,,1,theft,",
           "2026-11-02T10:15:00Z,R1,5,1,MUG-BLUE,,1,damage,lost"]
write("pos/journal-bad.csv", "\n".join(bad_pos))
