"""W3C Web Annotations: the archive's annotations in the Web Annotation Data Model and Protocol.

- vocabulary.py: the W3C terms and how the archive's own terms map onto them;
- jsonld.py: an annotation, a page and a collection as JSON-LD (what the archive serves);
- incoming.py: a Web Annotation from elsewhere read into the archive's terms;
- locating.py: where a TextQuoteSelector's passage is in a text (exact, by context, fuzzy).
"""
