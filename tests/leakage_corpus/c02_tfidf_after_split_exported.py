# leakage-corpus: expect=none
#!/usr/bin/env python
# coding: utf-8

# In[1]:


import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.metrics import accuracy_score


# In[2]:


news = pd.read_csv("fake_or_real_news.csv")
X_train, X_test, y_train, y_test = train_test_split(news["text"], news["label"], test_size=0.33, random_state=53)


# In[3]:


tfidf = TfidfVectorizer(stop_words="english", max_df=0.7)
tfidf_train = tfidf.fit_transform(X_train)
tfidf_test = tfidf.transform(X_test)


# In[4]:


clf = LogisticRegression(max_iter=1000)
clf.fit(tfidf_train, y_train)
print("train:", accuracy_score(y_train, clf.predict(tfidf_train)))
print("test:", accuracy_score(y_test, clf.predict(tfidf_test)))
