"""Stage 6, write and use the results: written (`write`) and read back (`read`), exported to CSV and
other formats (`export`), scored against gold answers (`evaluate`), and shown on a review page
(`review`, with its page assets in `review_assets`)."""
