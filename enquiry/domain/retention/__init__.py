"""The personal data lifecycle (PIPL arts. 19, 44–47 within the archives rules).

Case files are kept; the personal data in them is not. After a period set per kind (and, when
wanted, per outcome) a closed ticket is *anonymised*: the ticket row, its dates, kind, section,
department, outcome and ratings stay, so every figure and annual table stays what it was; the
citizen's name, contact details and text, the attachments, the raw mails and the mail we sent
are removed. Spam and quarantined mail are purged after a short period.

- `settings`: the periods (administrators change them at /staff/admin/retention).
- `holds`: legal holds; `is_held` is the one question every removal asks first.
- `plan`: what a run would do on a given day; `run` does exactly that.
- `anonymise`: the verbs that remove personal data from one ticket or one stored mail.
"""
