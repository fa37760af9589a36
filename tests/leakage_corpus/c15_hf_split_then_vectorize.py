# leakage-corpus: expect=none
from datasets import load_dataset
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.metrics import f1_score

ds = load_dataset("csv", data_files="data/tickets.csv")["train"]
splits = ds.train_test_split(test_size=0.2, seed=0)
train_ds, test_ds = splits["train"], splits["test"]

vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=3)
X_train = vectorizer.fit_transform(train_ds["text"])
X_test = vectorizer.transform(test_ds["text"])
svm = LinearSVC(C=0.5).fit(X_train, train_ds["label"])
print("macro F1", f1_score(test_ds["label"], svm.predict(X_test), average="macro"))
