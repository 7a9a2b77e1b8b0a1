"""The wording of the letters: titles, decisions, legal bases and the remedies notice.

Every string is an English msgid translated by the catalogs (zh_Hans as a Chinese government
office writes its 告知书, ug in Arabic script); `enquiry.mail.letters.compose` puts them
together in the citizen's language.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TITLES = {
    "acknowledgement": _l(
        "Acknowledgement of Registration of an Application for Government Information"
    ),
    "correction": _l("Notice to Supplement an Application for Government Information"),
    "extension": _l("Notice of Extension of the Time Limit for Replying"),
    "consultation": _l("Notice of Consultation of a Third Party"),
    "disclosed": _l("Notice of Disclosure of Government Information"),
    "partial": _l("Notice of Partial Disclosure of Government Information"),
    "refused": _l("Notice of Non-Disclosure of Government Information"),
    "unavailable": _l("Notice that Government Information Cannot Be Provided"),
    "not_processed": _l("Notice that an Application Is Not Processed"),
    "other": _l("Notice of the Conclusion of an Application for Government Information"),
}

DECISIONS = {
    "disclosed": _l(
        "The office has decided to disclose the government information you applied for. It is "
        "provided to you in the form you asked for, or, where it has already been published, "
        "the office's answer tells you where and how to obtain it."
    ),
    "partial": _l(
        "The office has decided to disclose part of the government information you applied "
        "for and provides that part to you. The remaining part cannot be disclosed, for the "
        "following reason: %(reason)s."
    ),
    "refused": _l(
        "The office has decided not to disclose the government information you applied for, "
        "for the following reason: %(reason)s."
    ),
    "unavailable": _l(
        "The office cannot provide the government information you applied for, for the "
        "following reason: %(reason)s."
    ),
    "not_processed": _l(
        "The office does not process your request as an application for government "
        "information, for the following reason: %(reason)s."
    ),
    "other": _l(
        "The office has concluded your application without further processing, for the "
        "following reason: %(reason)s."
    ),
}

REASONS = {
    "partial": _l("it contains information that may not be disclosed and can be separated"),
    "refused.state_secret": _l("the information is a state secret"),
    "refused.prohibited_by_law": _l("laws or administrative regulations prohibit its disclosure"),
    "refused.security_stability": _l(
        "its disclosure would endanger national security, public security, economic security "
        "or social stability"
    ),
    "refused.third_party": _l(
        "its disclosure would harm the lawful rights and interests of a third party"
    ),
    "refused.internal_affairs": _l("it is internal administrative information of the office"),
    "refused.process_information": _l(
        "it is process information, such as discussion records, drafts or consultation letters"
    ),
    "refused.enforcement_file": _l("it belongs to an administrative enforcement case file"),
    "refused.administrative_query": _l(
        "it is a matter of administrative enquiry, for which laws provide a separate procedure"
    ),
    "unavailable.not_held": _l("the office does not hold the information"),
    "unavailable.needs_creation": _l(
        "no such information exists; providing it would require the office to create it"
    ),
    "unavailable.unclear_after_correction": _l(
        "the application still does not identify the information after it was supplemented"
    ),
    "not_processed.petition": _l(
        "it is a petition, report or complaint, which should be made through the channels for "
        "such matters"
    ),
    "not_processed.repeated": _l(
        "the office has already answered an application for the same information"
    ),
    "not_processed.publication": _l(
        "it asks for a public publication, which can be obtained through the usual channels"
    ),
    "not_processed.mass_repeated": _l(
        "it is one of a large number of repeated applications made without good reason"
    ),
    "not_processed.confirmation": _l(
        "it asks the office to confirm or issue again information already obtained"
    ),
    "other.no_correction": _l(
        "the application was not supplemented within the time limit, without good reason"
    ),
    "other.fee_unpaid": _l("the fee was not paid within the time limit of the fee notice"),
    "other.other": _l("other reasons, as explained in the office's answer"),
}

BASES = {
    "art14": _l("Article 14"),
    "art15": _l("Article 15"),
    "art16_1": _l("Article 16, paragraph 1"),
    "art16_2": _l("Article 16, paragraph 2"),
    "art30": _l("Article 30"),
    "art31_33": _l("Articles 31 and 33"),
    "art32": _l("Articles 32 and 33"),
    "art33_2": _l("Article 33, paragraph 2"),
    "art35": _l("Article 35"),
    "art36": _l("Article 36"),
    "art36_2": _l("Article 36, item 2"),
    "art36_4_5": _l("Article 36, items 4 and 5"),
    "art36_6": _l("Article 36, item 6"),
    "art36_7": _l("Article 36, item 7"),
    "art37": _l("Article 37"),
    "art38": _l("Article 38"),
    "art39": _l("Article 39"),
    "art39_1": _l("Article 39, paragraph 1"),
    "art39_2": _l("Article 39, paragraph 2"),
    "art42": _l("Article 42"),
}

LEGAL_BASIS = _l(
    "Legal basis: %(article)s of the Regulations of the People's Republic of China on Open "
    "Government Information."
)
REMEDIES = _l(
    "If the applicant disagrees with this notice, the applicant may, within 60 days of "
    "receiving it, apply to %(authority)s for administrative review, or, within 6 months, "
    "bring an administrative lawsuit before a people's court."
)
SALUTATION = _l("Dear %(name)s:")
APPLICANT = _l("Applicant")
REFERENCE = _l("Reference number")
RECEIVED = _l("Date received")
REQUESTED = _l("Information applied for")

STEPS = {
    "acknowledgement": _l(
        "The office received your application for government information on %(received)s and "
        "has registered it under reference number %(reference)s. The office will reply by "
        "%(due)s. Please quote the reference number in any correspondence."
    ),
    "correction": _l(
        "Your application does not yet meet the requirements of the Regulations. Please "
        "supplement it by %(limit)s as follows:"
    ),
    "correction_after": _l(
        "The time limit for replying starts again on the day the office receives the "
        "supplemented application. If it is not supplemented by that date without good "
        "reason, the application is deemed withdrawn."
    ),
    "extension": _l(
        "The office cannot reply to your application within the time limit. With the approval "
        "of the head of the office responsible for open government information, the time "
        "limit has been extended by %(days)s working days; the office will reply by %(due)s. "
        "Reason:"
    ),
    "consultation": _l(
        "Disclosure of the information you applied for may harm the lawful rights and "
        "interests of a third party. The office is seeking the third party's opinion; the "
        "time this takes is not counted in the time limit for replying."
    ),
}
