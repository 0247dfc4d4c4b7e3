"""W3C Web Annotations: the archive's annotations in the Web Annotation Data Model and Protocol.

- vocabulary.py: the W3C terms and how the archive's own terms map onto them;
- jsonld.py: an annotation, a page and a collection as JSON-LD (what the archive serves);
- incoming.py: a Web Annotation from elsewhere read into the archive's terms (htmltext.py
  reduces its HTML bodies to text; links.py maps its IRIs onto the archive's records);
- protocol.py and writing.py: the Web Annotation Protocol's HTTP rules and its writes.
Where a TextQuoteSelector's passage is in a text (exact, by context, fuzzy) is
sources/locating.py; the import of a file of annotations is archive/importing.py.
"""
